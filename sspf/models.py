"""The one table the site layer keeps itself: the one-time tokens of forms that create
something (sspf/once.py)."""

from django.conf import settings
from django.db import models


class FormSubmission(models.Model):
    """A form that created something, by the token it was shown with: sending the same form
    again (Back and Save, a reload, a double tap) leads to what it made, not to a second one.
    `url` holds no personal data: the address of the record's own page."""

    token = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"form submission {self.pk}"
