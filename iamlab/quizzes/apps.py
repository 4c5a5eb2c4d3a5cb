from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "iamlab.quizzes"
    default_auto_field = "django.db.models.BigAutoField"
