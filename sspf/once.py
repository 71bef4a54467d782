"""One-time form tokens: every form that creates something carries a fresh token, and the
server makes one thing per token.

The browser's Back button shows the form as it was sent, token included, so a second Save
finds the token already used and the user is sent to what the first Save made instead of
making a second record. The token is claimed in the same transaction as the service's write:
a failed save (a ValidationError) releases it, so the corrected form can be sent again.
"""

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sspf.forms import apply_service_errors
from sspf.models import FormSubmission


class OnceField(forms.UUIDField):
    """The hidden token field; its initial value is a new token each time the form is shown."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("initial", uuid.uuid4)
        kwargs.setdefault(
            "error_messages",
            {"required": gettext_lazy("The form has expired. Open it again and save.")},
        )
        super().__init__(**kwargs)


class OnceForm:
    """A form mixin: adds `form_token` (sspf.once.OnceField). The token is not passed to the
    service: the view gives it to `run_once`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form_token"] = OnceField()

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "form_token"}


def made_by(user, token) -> FormSubmission | None:
    """What an earlier send of this form made; None when the token is new. A token sent by
    someone else is refused (it cannot happen by accident)."""
    done = FormSubmission.objects.filter(token=token).first()
    if done is not None and done.user_id != user.pk:
        raise ValidationError(_("This form was sent by someone else. Open a new form."))
    return done


def run_once(request, form, action, success, url_of, *, token=None, then=None):
    """Runs `action` (a create service) once for the form's token and returns the address to
    go to next (`then`, or what was made), or None when the form is to be shown again with its
    errors.

    A token already used returns the address of what it made, with a message saying so."""
    token = token if token is not None else form.cleaned_data["form_token"]
    try:
        done = made_by(request.user, token)
        if done is None:
            with transaction.atomic():
                claim = FormSubmission.objects.create(token=token, user=request.user)
                result = action()
                claim.url = url_of(result)
                claim.save(update_fields=["url"])
            messages.success(request, success(result) if callable(success) else success)
            return then or claim.url
    except ValidationError as error:
        apply_service_errors(form, error)
        return None
    except IntegrityError:  # the same token at the same instant: the other send won
        done = FormSubmission.objects.filter(token=token, user=request.user).first()
        if done is None:
            raise
    messages.info(request, _("This form was already saved. Here is what it recorded."))
    return done.url


def sent_before(request) -> str | None:
    """For a form whose validation itself would refuse a second send (a unique name): the
    address of what this user's earlier send of the same token made, checked before the form
    is validated, with the same message as run_once gives; else None."""
    try:
        token = uuid.UUID(request.POST.get("form_token", ""))
    except ValueError:
        return None
    done = FormSubmission.objects.filter(token=token, user=request.user).first()
    if done is None:
        return None
    messages.info(request, _("This form was already saved. Here is what it recorded."))
    return done.url
