from django.apps import AppConfig


class ThrottleConfig(AppConfig):
    name = "iamlab.throttle"
    default_auto_field = "django.db.models.BigAutoField"
