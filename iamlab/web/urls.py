from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("lessons/", include("iamlab.web.lesson_urls")),
    path("quiz/", include("iamlab.web.quiz_urls")),
    path("", include("iamlab.web.tools_urls")),
]
