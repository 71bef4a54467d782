from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
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
