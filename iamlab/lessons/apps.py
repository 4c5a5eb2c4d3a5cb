from django.apps import AppConfig


class LessonsConfig(AppConfig):
    name = "iamlab.lessons"
    default_auto_field = "django.db.models.BigAutoField"
