from django.urls import path

from budget import department_views, peer_views, review_views, views
from budget.api import pages

app_name = "budget"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("departments/<int:pk>/<int:year>/", department_views.department, name="department"),
    path("departments/<int:pk>/<int:year>/download.<str:fmt>", department_views.department_download, name="download"),
    path("projects/<int:pk>/", views.project_page, name="project"),
    path("departments/<int:pk>/<int:year>/projects/<str:ref>/", views.project_by_ref, name="project_by_ref"),
    path("indicators/", views.explorer, name="explorer"),
    path("indicators/peers/<int:year>/", peer_views.common_indicator, name="peers"),
    path("open-data/", pages.open_data, name="open_data"),
    path("i18n/<str:code>/", views.language, name="language"),
    path("review/", review_views.worklist_view, name="review"),
    path("review/<int:pk>/<int:year>/", review_views.table_view, name="review_table"),
    path("review/<int:pk>/<int:year>/opinion/", review_views.opinion_view, name="review_opinion"),
    path("review/<int:pk>/<int:year>/opinion.xlsx", review_views.opinion_xlsx, name="review_opinion_xlsx"),
]
