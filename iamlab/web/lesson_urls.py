"""URL patterns of the lesson catalog and player, included at /lessons/ from iamlab/web/urls.py.

`instructor/` comes before `<slug:lesson_id>/`: "instructor" is a valid slug, so the other order
would send the instructor index to the player."""

from django.urls import path

from . import lesson_views

urlpatterns = [
    path("", lesson_views.catalog, name="lesson_catalog"),
    path("instructor/", lesson_views.instructor, name="lesson_instructor"),
    path("<slug:lesson_id>/", lesson_views.player, name="lesson_player"),
    path("<slug:lesson_id>/start/", lesson_views.start, name="lesson_start"),
    path("<slug:lesson_id>/check/", lesson_views.check, name="lesson_check"),
    path("<slug:lesson_id>/hint/", lesson_views.hint, name="lesson_hint"),
    path("<slug:lesson_id>/reset/", lesson_views.reset, name="lesson_reset"),
    path("<slug:lesson_id>/act-as/", lesson_views.act_as, name="lesson_act_as"),
    path("<slug:lesson_id>/preview/", lesson_views.preview, name="lesson_preview"),
    path("<slug:lesson_id>/selftest/", lesson_views.selftest, name="lesson_selftest"),
]
