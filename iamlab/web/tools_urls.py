"""URL patterns, included from iamlab/web/urls.py."""

urlpatterns: list = []
