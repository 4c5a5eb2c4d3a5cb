from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "iamlab.web"
    label = "web"
    verbose_name = "Web app"
