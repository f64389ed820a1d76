from django.contrib import admin
from django.urls import include, path

from budget.api import views as api

urlpatterns = [path("admin/", admin.site.urls), path("api/v1/", api.urls()), path("", include("budget.urls"))]

handler500 = "budget.errors.server_error"
