import time
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import PasswordConfirmForm, TokenForm

# When the session's user last gave their password, and which unconfirmed device this session
# is enrolling.
PASSWORD_GIVEN_AT = "accounts_password_given_at"
ENROLLING_DEVICE = "accounts_enrolling_device"
# A second factor is enrolled only this soon after the password was given.
FRESH_PASSWORD_SECONDS = 10 * 60


class LoginView(auth_views.LoginView):
    """Django's login, remembering when the password was given (for enrolment)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session[PASSWORD_GIVEN_AT] = time.time()
        return response


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The page a one-time link opens: the user chooses their own password."""

    template_name = "accounts/password_set.html"
    success_url = reverse_lazy("accounts:password_set_done")


class PasswordSetDoneView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_set_done.html"


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def _second_factor_given(request, device) -> None:
    """The session is verified from now on, under a new key: a session id seen before the
    second factor (planted, or read over the shoulder) does not become a verified session."""
    otp_login(request, device)
    request.session.cycle_key()


def _password_is_fresh(request) -> bool:
    given_at = request.session.get(PASSWORD_GIVEN_AT)
    return given_at is not None and time.time() - given_at < FRESH_PASSWORD_SECONDS


def _enrolling_device(request) -> TOTPDevice:
    """This session's unconfirmed device. A key shown in another session (someone else who
    held the password, an earlier visit) is thrown away, never confirmed here."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(
            user=request.user, confirmed=False, pk=request.session.get(ENROLLING_DEVICE)
        ).first()
        if device is None:
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            device = TOTPDevice.objects.create(user=request.user, name="app", confirmed=False)
            request.session[ENROLLING_DEVICE] = device.pk
    return device


@login_required
@sensitive_post_parameters("token", "password")
def two_factor_setup(request):
    """Enrolment, by the user themself only: right after giving their password (or giving it
    again here), scan the QR code, then prove it worked by giving one code."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return render(request, "accounts/two_factor_enabled.html")
    if not _password_is_fresh(request):
        form = PasswordConfirmForm(request.POST or None, request=request)
        if request.method == "POST" and form.is_valid():
            request.session[PASSWORD_GIVEN_AT] = time.time()
            return redirect("accounts:two_factor_setup")
        return render(request, "accounts/two_factor_password.html", {"form": form})
    device = _enrolling_device(request)
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        request.session.pop(ENROLLING_DEVICE, None)
        _second_factor_given(request, device)
        messages.success(request, _("Two-factor login is now on for your account."))
        return redirect("home")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": b32encode(device.bin_key).decode(),
        },
    )


@login_required
@sensitive_post_parameters("token")
def two_factor_verify(request):
    """The second step of login for a user who has enrolled a device."""
    if request.user.is_verified():
        return redirect("home")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("accounts:two_factor_setup")
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        _second_factor_given(request, device)
        next_url = request.GET.get("next", "")
        if url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(next_url)
        return redirect("home")
    return render(request, "accounts/two_factor_verify.html", {"form": form})


def lockout(request, original_response=None, credentials=None):
    """django-axes calls this once a username and address have failed too often."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/lockout.html", {"cooloff_minutes": minutes}, status=429)
