from django.urls import path

from lenhub.needs import views

urlpatterns = [
    path("", views.need_list, name="need_list"),
    path("new/", views.need_new, name="need_new"),
    path("similar/", views.need_similar, name="need_similar"),
    path("curate/", views.curate_queue, name="need_curate_queue"),
    path("<int:pk>/", views.need_detail, name="need_detail"),
    path("<int:pk>/edit/", views.need_edit, name="need_edit"),
    path("<int:pk>/submit/", views.need_submit, name="need_submit"),
    path("<int:pk>/support/", views.need_support, name="need_support"),
    path("<int:pk>/comment/", views.need_comment, name="need_comment"),
    path("<int:pk>/curate/", views.need_curate, name="need_curate"),
]
