"""Who may read a referral and who may move it on: the single source of truth.

A referral is a hand-over between two organisations, so access follows the organisations, not
a case team (documented in docs/referrals.md; DESIGN §4 mentions guardian grants for the
receiving staff — an organisation rule gives the same answer without rows to keep in sync,
because every member of the receiving service with the receiving role handles its inbox):

    RECEIVES[mediation]      = referrals.receive_mediation       (role: mediator)
    RECEIVES[victim_support] = referrals.receive_victim_support  (role: victim_support)

    sender_side(u, r)   = u.organisation = r.organisation and u holds referrals.add_referral
    receiver_side(u, r) = u.organisation = r.receiver and u holds RECEIVES[r.kind]
                          and r.sent_at is set    (a draft, even one withdrawn, was never
                                                   handed over)
    may_view(u, r)      = sender_side(u, r) or receiver_side(u, r)

The sender sends and withdraws; the receiving service accepts, declines, starts, records and
completes. Anyone else — a mediator of another service, the sender's colleagues without the
send right, auditors, administrators — sees nothing (404). The receiving service never sees
the case through the referral: the case page decides that by its own rule.

The rule exists twice, as a predicate (`may_view`, `side`) and as a queryset filter
(`viewable_referrals`); tests/referrals/test_access_properties.py keeps them equal.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from referrals.models import Referral

SEND = "referrals.add_referral"
RECEIVES = {
    Referral.Kind.MEDIATION: "referrals.receive_mediation",
    Referral.Kind.VICTIM_SUPPORT: "referrals.receive_victim_support",
}
SENDER, RECEIVER = "sender", "receiver"


def side(user, referral: Referral) -> str | None:
    """ "sender", "receiver" or None (the predicate; no query once the user's permissions are
    cached)."""
    if referral.organisation_id == user.organisation_id and user.has_perm(SEND):
        return SENDER
    if (
        referral.receiver_id == user.organisation_id
        and referral.sent_at is not None
        and user.has_perm(RECEIVES[referral.kind])
    ):
        return RECEIVER
    return None


def may_view(user, referral: Referral) -> bool:
    return side(user, referral) is not None


def require_side(user, referral: Referral, wanted: str) -> None:
    """The right party only: the other party (who may read the referral) gets 403."""
    if side(user, referral) != wanted:
        raise PermissionDenied(f"referral {wanted}")


def receiving_kinds(user) -> list[str]:
    return [kind for kind, permission in RECEIVES.items() if user.has_perm(permission)]


def viewable_referrals(user) -> QuerySet[Referral]:
    """The filter: every referral `may_view(user, r)` is true for, in one query."""
    rule = Q(pk__in=[])
    if user.has_perm(SEND):
        rule |= Q(organisation_id=user.organisation_id)
    kinds = receiving_kinds(user)
    if kinds:
        rule |= Q(receiver_id=user.organisation_id, kind__in=kinds, sent_at__isnull=False)
    return Referral.objects.filter(rule)
