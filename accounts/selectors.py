"""Reads about accounts for the administration pages: counts and flags, never case content."""

from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import TwoFactorResetRequest, User
from cases.models import Case


def open_cases_coordinated(user: User) -> int:
    """How many open cases `user` coordinates: what stands in the way of moving them to
    another organisation. A count only; the administrator asking sees no case."""
    return Case.objects.filter(coordinator=user).exclude(status=Case.Status.CLOSED).count()


def with_two_factor_state(users: QuerySet[User]) -> QuerySet[User]:
    """Annotates `two_factor_on` (a confirmed device) and `two_factor_reset_pending` (a reset
    awaiting a second administrator), in the list's own query."""
    return users.annotate(
        two_factor_on=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        two_factor_reset_pending=Exists(
            TwoFactorResetRequest.objects.filter(user=OuterRef("pk"), approved_at__isnull=True)
        ),
    )
