from django.urls import path

from lenhub.monitoring import views

urlpatterns = [
    path("", views.monitoring_home, name="monitoring_home"),
    path("follow/", views.follow, name="monitoring_follow"),
    path("follows/<int:pk>/unfollow/", views.unfollow, name="monitoring_unfollow"),
    path(
        "notifications/<int:pk>/read/",
        views.notification_read,
        name="monitoring_notification_read",
    ),
    path("notifications/read/", views.notifications_read_all, name="monitoring_read_all"),
    path("preferences/", views.preferences, name="monitoring_preferences"),
]
