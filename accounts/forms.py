from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import User
from cases.services import NEVER_ON_A_TEAM
from sspf.forms import ModelChoiceField, ModelMultipleChoiceField

# The admin's choices of organisation and roles, bounded like every other id (sspf/forms.py).
BOUNDED_CHOICES = {"organisation": ModelChoiceField, "groups": ModelMultipleChoiceField}


class TokenForm(forms.Form):
    """The six digits from the authenticator app."""

    token = forms.CharField(
        label=_("Code from your authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
        error_messages={"required": _("Enter the code from your authenticator app.")},
    )

    def __init__(self, *args, device=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("The code is digits only."), code="format")
        allowed, _details = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(
                _("Too many wrong codes. Wait a moment and try again."), code="throttled"
            )
        if not self.device.verify_token(token):
            raise forms.ValidationError(
                _("The code is wrong or has expired. Try the next code in the app."),
                code="invalid",
            )
        return token


class PasswordConfirmForm(forms.Form):
    """The user's own password again, before a second factor is enrolled: enrolment needs a
    fresh password login, not an old session someone else might be sitting at."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": _("Enter your password.")},
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self):
        password = self.cleaned_data["password"]
        user = self.request.user
        # Through the authentication backends, so that a wrong password counts towards lockout.
        if authenticate(self.request, username=user.get_username(), password=password) != user:
            raise forms.ValidationError(_("The password is wrong."), code="invalid")
        return password


class _UserForm(forms.ModelForm):
    """The administrator's user form: organisation and role, never a password."""

    def clean_username(self):
        username = self.cleaned_data["username"]
        taken = User.objects.filter(username__iexact=username).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("A user with that username already exists."))
        return username

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding:
            return cleaned
        moves = "organisation" in self.changed_data
        leaves_case_work = any(g.name in NEVER_ON_A_TEAM for g in cleaned.get("groups") or [])
        if moves or leaves_case_work:
            refusal = services.move_refusal(self.instance)
            if refusal:
                self.add_error("organisation" if moves else "groups", refusal)
        return cleaned


class UserAddForm(_UserForm):
    """A new account. No password field: the user is sent a link to choose their own."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "organisation", "groups"]
        field_classes = BOUNDED_CHOICES

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = _("The link to choose a password is sent here.")


class UserChangeForm(_UserForm):
    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "organisation",
            "groups",
            "is_active",
            "is_staff",
        ]
        field_classes = BOUNDED_CHOICES
