from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organisation, User
from accounts.roles import ROLE_NAMES


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


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Administrators set a user's organisation and role; never superuser or ad-hoc permissions."""

    list_display = ["username", "first_name", "last_name", "organisation", "is_active"]
    list_filter = ["organisation", "groups", "is_active"]
    list_select_related = ["organisation"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email"]}),
        (
            _("Organisation and role"),
            {"fields": ["organisation", "groups", "is_active", "is_staff"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
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
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = []
    actions = ["reset_two_factor"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(name__in=ROLE_NAMES).order_by("name")
            kwargs["label"] = _("Role")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.action(description=_("Reset two-factor login (the user enrols a new device)"))
    def reset_two_factor(self, request, queryset):
        deleted, _by_model = TOTPDevice.objects.filter(user__in=queryset).delete()
        self.message_user(
            request,
            ngettext("%(count)d device removed.", "%(count)d devices removed.", deleted)
            % {"count": deleted},
            messages.SUCCESS,
        )
