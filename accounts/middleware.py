from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

# Pages a signed-in user may reach before giving the second factor.
EXEMPT_VIEWS = {
    "accounts:logout",
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
    "set_language",
    "healthz",
}


class RequireTwoFactorMiddleware:
    """With SSPF_REQUIRE_2FA on, a password alone opens nothing but the second-factor pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.SSPF_REQUIRE_2FA:
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match.view_name in EXEMPT_VIEWS:
            return None
        return redirect(
            f"{reverse('accounts:two_factor_verify')}?{urlencode({'next': request.path})}"
        )
