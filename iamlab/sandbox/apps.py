from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "iamlab.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox (the in-app AWS account)"
