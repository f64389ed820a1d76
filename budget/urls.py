from django.urls import path

from budget import views

app_name = "budget"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("departments/<int:pk>/<int:year>/", views.department, name="department"),
    path("departments/<int:pk>/<int:year>/download.<str:fmt>", views.department_download, name="download"),
    path("projects/<int:pk>/", views.project_page, name="project"),
    path("departments/<int:pk>/<int:year>/projects/<str:ref>/", views.project_by_ref, name="project_by_ref"),
    path("indicators/", views.explorer, name="explorer"),
    path("i18n/<str:code>/", views.language, name="language"),
]
