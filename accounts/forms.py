from django import forms
from django.utils.translation import gettext_lazy as _


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
