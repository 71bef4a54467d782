from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import selectors, services
from accounts.forms import UserAddForm, UserChangeForm
from accounts.models import Organisation, User
from accounts.roles import ROLE_NAMES
from cases.services import NEVER_ON_A_TEAM


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "receives_mediation_referrals",
        "receives_victim_support_referrals",
        "active",
    ]
    list_filter = ["kind", "active"]
    search_fields = ["name"]


class TwoFactorResetFilter(admin.SimpleListFilter):
    title = _("two-factor reset")
    parameter_name = "two_factor_reset"

    def lookups(self, request, model_admin):
        return [("pending", _("Waiting for a second administrator"))]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(two_factor_reset_pending=True)
        return queryset


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Administrators set a user's organisation and role; never superuser or ad-hoc permissions,
    never a password, never a second factor (DESIGN §6: administrators administer, never read).

    Not Django's UserAdmin: that one lets the administrator type a password for the user (on
    creation and on its password page). Here a new user is sent a one-time link instead, and
    there is no password page at all."""

    form = UserChangeForm
    add_form = UserAddForm
    list_display = [
        "username",
        "first_name",
        "last_name",
        "organisation",
        "is_active",
        "two_factor",
    ]
    list_filter = ["organisation", "groups", "is_active", TwoFactorResetFilter]
    list_select_related = ["organisation"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email"]}),
        (
            _("Organisation and role"),
            {
                "fields": ["organisation", "groups", "is_active", "is_staff"],
                "description": _(
                    "Moving a user to another organisation ends their case memberships at once."
                ),
            },
        ),
        (_("Login"), {"fields": ["two_factor", "last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "organisation",
                    "groups",
                ],
                "description": _(
                    "The new user is sent an e-mail with a link to choose their own password."
                ),
            },
        ),
    ]
    readonly_fields = ["two_factor", "last_login", "date_joined"]
    filter_horizontal = []
    actions = ["send_password_link", "request_two_factor_reset", "approve_two_factor_reset"]

    def get_queryset(self, request):
        return selectors.with_two_factor_state(super().get_queryset(request))

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def lookup_allowed(self, lookup, value, request=None):
        return not lookup.startswith("password") and super().lookup_allowed(lookup, value, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(name__in=ROLE_NAMES).order_by("name")
            kwargs["label"] = _("Role")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("Two-factor login"))
    def two_factor(self, obj):
        if obj.two_factor_reset_pending:
            return _("Reset waiting for a second administrator")
        return _("In use") if obj.two_factor_on else _("Not set up")

    def save_model(self, request, obj, form, change):
        if not change:
            services.user_add(by=request.user, user=obj, request=request)
            self.message_user(
                request,
                _("%(user)s is sent a link to choose a password.") % {"user": obj.username},
                messages.SUCCESS,
            )
            return
        moving = "organisation" in form.changed_data
        memberships = obj.case_memberships.count() if moving else 0
        super().save_model(request, obj, form, change)  # User.save ends the memberships
        if memberships:
            self._memberships_ended(request, obj, memberships)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        user.__dict__.pop("roles", None)  # the roles were just saved
        if change and any(user.has_role(name) for name in NEVER_ON_A_TEAM):
            ended = services.memberships_end(user=user)
            if ended:
                self._memberships_ended(request, user, ended)

    def _memberships_ended(self, request, user, count):
        self.message_user(
            request,
            ngettext(
                "%(user)s left %(count)d case team.",
                "%(user)s left %(count)d case teams.",
                count,
            )
            % {"user": user.username, "count": count},
            messages.WARNING,
        )

    def _each(self, request, queryset, service, success):
        """Runs `service(user)` for every selected user, reporting each refusal by name."""
        done = 0
        for user in queryset:
            try:
                service(user)
            except ValidationError as error:
                self.message_user(
                    request, f"{user.username}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                done += 1
        if done:
            self.message_user(request, success(done), messages.SUCCESS)

    @admin.action(description=_("Send a link to choose a new password"))
    def send_password_link(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda user: services.password_link_send(by=request.user, user=user, request=request),
            lambda count: (
                ngettext("%(count)d link sent.", "%(count)d links sent.", count) % {"count": count}
            ),
        )

    @admin.action(description=_("Ask for a two-factor reset (a second administrator approves)"))
    def request_two_factor_reset(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda user: services.two_factor_reset_request(by=request.user, user=user),
            lambda count: (
                ngettext(
                    "%(count)d reset requested; another administrator must approve it.",
                    "%(count)d resets requested; another administrator must approve them.",
                    count,
                )
                % {"count": count}
            ),
        )

    @admin.action(description=_("Approve the requested two-factor reset"))
    def approve_two_factor_reset(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda user: services.two_factor_reset_approve(by=request.user, user=user),
            lambda count: (
                ngettext(
                    "%(count)d reset approved; a new device is set up at the next login.",
                    "%(count)d resets approved; new devices are set up at the next login.",
                    count,
                )
                % {"count": count}
            ),
        )
