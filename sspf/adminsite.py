from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _


class SSPFAdminSite(admin.AdminSite):
    """The Django admin for reference data, open to administrators only.

    Only the models in ALLOWED_MODELS can be registered: third-party apps register their own
    admin pages (devices, log entries, groups), and none of those belong here. Nothing holding
    personal data about young people is ever edited through the admin.
    """

    ALLOWED_MODELS = {"accounts.organisation", "accounts.user", "schools.school"}

    site_header = _("SSPF – administration")
    site_title = _("SSPF administration")
    index_title = _("Organisations, users and schools")

    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else model_or_iterable
        allowed = [m for m in models if m._meta.label_lower in self.ALLOWED_MODELS]
        if allowed:
            super().register(allowed, admin_class, **options)

    def has_permission(self, request):
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and (user.is_superuser or user.has_role("administrator"))
        )

    def admin_view(self, view, cacheable=False):
        """A signed-in user without the right gets 403 at once, not a detour to a login page."""
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        guarded.admin_site = self
        return guarded

    def login(self, request, extra_context=None):
        """Everyone signs in through the one login page, which also asks for the second factor."""
        if self.has_permission(request):
            return redirect("admin:index")
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next", request.get_full_path()))
