"""Failed logins counted per account and per address: django-axes with two limits.

Axes keeps one row per (username, address, browser) with its number of failures. We count them
two ways:
- per account, from any address: AXES_FAILURE_LIMIT (SSPF_LOGIN_FAILURE_LIMIT, 5) stops
  guessing one person's password, however many addresses the guesser uses;
- per address, for any account: SSPF_LOGIN_ADDRESS_FAILURE_LIMIT (20) stops one address from
  trying a few passwords on every account. It is higher because many honest people share an
  address (a school's or the police's network behind one public address).

Axes compares one number with one limit, so the address's count is scaled to the account's
limit: it reaches AXES_FAILURE_LIMIT exactly when it reaches its own limit.

A successful login clears the account's own failures and nothing else. Axes would clear every
row of the address too, and anyone with an account could then wipe the count of the address
they guess from by logging in between guesses.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        attempts = AccessAttempt.objects.all()
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        counts = attempts.aggregate(
            account=Sum("failures_since_start", filter=Q(username=username)),
            address=Sum("failures_since_start", filter=Q(ip_address=request.axes_ip_address)),
        )
        account, address = counts["account"] or 0, counts["address"] or 0
        return max(
            account,
            address * settings.AXES_FAILURE_LIMIT // settings.SSPF_LOGIN_ADDRESS_FAILURE_LIMIT,
        )

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        deleted, _ = AccessAttempt.objects.filter(username=username).delete()
        return deleted
