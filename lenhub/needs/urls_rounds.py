"""Pages of prioritisation rounds, mounted at /rounds/."""

from django.urls import path

from lenhub.needs import views_rounds as views

urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("new/", views.round_new, name="round_new"),
    path("<int:pk>/", views.round_detail, name="round_detail"),
    path("<int:pk>/open/", views.round_open_view, name="round_open"),
    path("<int:pk>/vote/", views.round_vote, name="round_vote"),
    path("<int:pk>/results/", views.round_results, name="round_results"),
    path("<int:pk>/close/", views.round_close_view, name="round_close"),
]
