from django.conf import settings
from django.db import models


class Window(models.Model):
    """How many requests `user` made in `scope` during the window starting at `start`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    scope = models.CharField(max_length=40)
    start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "start"], name="throttle_window_unique"
            )
        ]
