"""URL patterns of the quiz pages, included at /quiz/ from iamlab/web/urls.py."""

from django.urls import path

from . import quiz_views as views

app_name = "quiz"

urlpatterns = [
    path("", views.home, name="home"),
    path("start/practice/", views.start_practice, name="start_practice"),
    path("start/exam/", views.start_exam, name="start_exam"),
    path("start/review/", views.start_review, name="start_review"),
    path("start/quiz/<int:template_id>/", views.start_template, name="start_template"),
    path("compose/", views.compose, name="compose"),
    path("s/<int:session_id>/", views.session_detail, name="session"),
    path("s/<int:session_id>/q/<int:number>/", views.question, name="question"),
    path("s/<int:session_id>/q/<int:number>/flag/", views.flag, name="flag"),
    path("s/<int:session_id>/submit/", views.submit, name="submit"),
    path("s/<int:session_id>/results/", views.results, name="results"),
    path("s/<int:session_id>/review/", views.review, name="review"),
]
