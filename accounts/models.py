from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import ROLES_BY_NAME, Role


class Organisation(models.Model):
    """An agency taking part in SSPF: a school, social services, the police or leisure."""

    class Kind(models.TextChoices):
        SCHOOL = "school", _("School")
        SOCIAL_SERVICES = "social_services", _("Social services")
        POLICE = "police", _("Police")
        LEISURE = "leisure", _("Leisure")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    receives_mediation_referrals = models.BooleanField(
        _("receives mediation referrals"), default=False
    )
    receives_victim_support_referrals = models.BooleanField(
        _("receives victim-support referrals"), default=False
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A member of staff. Every user belongs to exactly one organisation."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("organisation"),
    )

    REQUIRED_FIELDS = ["email", "organisation"]

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @cached_property
    def roles(self) -> list[Role]:
        """The user's roles in the order of ROLES; read once per request."""
        names = {group.name for group in self.groups.all()}
        return [role for name, role in ROLES_BY_NAME.items() if name in names]

    def has_role(self, name: str) -> bool:
        return any(role.name == name for role in self.roles)

    def save(self, *args, **kwargs):
        """Whichever code saves a user (the admin, a command, the shell): a move to another
        organisation ends the user's case memberships and grants, and a password change is
        logged (without the password), in the same transaction as the change (DESIGN §6:
        administrators administer, never read). A move is refused while the user coordinates
        an open case."""
        from accounts import services

        update_fields = kwargs.get("update_fields")
        watched = {"organisation", "organisation_id", "password"}
        if self._state.adding or (update_fields is not None and not watched & set(update_fields)):
            return super().save(*args, **kwargs)
        with transaction.atomic():
            stored = (
                User.objects.select_for_update()
                .filter(pk=self.pk)
                .values("organisation_id", "password")
                .first()
            )
            super().save(*args, **kwargs)
            if stored is None:
                return None
            if stored["organisation_id"] != self.organisation_id:
                services.memberships_end(user=self)
            if stored["password"] != self.password:
                services.password_change_log(user=self)
        return None


class TwoFactorResetRequest(models.Model):
    """A request to remove a user's second factor, carried out only once a second
    administrator approves it (four eyes: one administrator alone can never open another
    person's account to a new device)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="two_factor_reset_requests",
        verbose_name=_("user"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("two-factor reset request")
        verbose_name_plural = _("two-factor reset requests")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(approved_at__isnull=True),
                name="one_pending_two_factor_reset_per_user",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | (~Q(approved_by=F("requested_by")) & ~Q(approved_by=F("user"))),
                name="two_factor_reset_approved_by_another",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_at__isnull=True)
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="two_factor_reset_approval_complete",
            ),
        ]

    def __str__(self):
        return f"two-factor reset {self.pk}"
