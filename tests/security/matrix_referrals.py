"""The authorization matrix rows for the referrals URLs (merged into matrix.POLICIES), and the
objects their rows need in the world of the matrix test.

The world's referral goes from social services (where the coordinator, the field worker and
the social worker may send; the auditor and the administrator of that organisation may not)
to the world's mediation service. The out-of-scope referral goes between two organisations
nobody in the world belongs to."""

from tests.security.matrix import only

SENDERS = ("coordinator", "field_worker", "social_worker")
ALL_SENDING_ROLES = {
    "coordinator": 200,
    "field_worker": 200,
    "school_police": 200,
    "social_worker": 200,
}


def _referral(which):
    return lambda world: {"pk": world[which].pk}


def referral_page(sender: int, receiver: int, *, method="get"):
    """An object page of a referral: the sender's side and the receiver's side get their
    statuses, everyone else 404; on a referral between other organisations, 404 for all."""
    status_for = {role: sender for role in SENDERS} | {"mediator": receiver}
    return [
        only(status_for, 404, method=method, kwargs=_referral("referral_in"), scope="in scope"),
        only({}, 404, method=method, kwargs=_referral("referral_out"), scope="out of scope"),
    ]


POLICIES: dict = {
    "referrals:inbox": only({"mediator": 200, "victim_support": 200}, 403),
    "referrals:outbox": only(ALL_SENDING_ROLES, 403),
    "referrals:new_mediation": only(ALL_SENDING_ROLES, 403),
    "referrals:new_victim_support": only(ALL_SENDING_ROLES, 403),
    "referrals:detail": referral_page(200, 200),
    # The sender's steps: the receiver gets 403. A POST in the wrong state is a message and a
    # redirect back to the referral.
    "referrals:send": referral_page(302, 403, method="post"),
    "referrals:withdraw": referral_page(200, 403),
    # The receiver's steps: the sender gets 403.
    "referrals:accept": referral_page(403, 302, method="post"),
    "referrals:decline": referral_page(403, 200),
    "referrals:start": referral_page(403, 302, method="post"),
    "referrals:consents": referral_page(403, 200),
    "referrals:activity_new": referral_page(403, 200),
    "referrals:complete": referral_page(403, 200),
}


def world(users: dict, organisations: dict, base: dict) -> dict:
    """Objects for this app's rows; `base` is the world built so far (users, schools, the
    in-scope and out-of-scope cases and contacts)."""
    import datetime

    from django.utils import timezone

    from referrals.models import Referral
    from tests.cases.factories import make_person
    from tests.factories import OrganisationFactory, UserFactory

    def referral(sender, receiver):
        return Referral.objects.create(
            kind=Referral.Kind.MEDIATION,
            status=Referral.Status.SENT,
            organisation=sender.organisation,
            category="social_services",
            created_by=sender,
            receiver=receiver,
            young_person=make_person(age=16),
            contact_name="Malte",
            police_report_number="5000-K1-26",
            offence_date=timezone.localdate() - datetime.timedelta(days=10),
            offence_category="damage",
            admitted=True,
            victim_name="Kiosken",
            sent_at=timezone.now(),
        )

    elsewhere = OrganisationFactory(name="Socialtjänsten Söder", kind="social_services")
    other_service = OrganisationFactory(
        name="Medling Söder", kind="social_services", receives_mediation_referrals=True
    )
    return {
        "referral_in": referral(users["social_worker"], organisations["mediation"]),
        "referral_out": referral(
            UserFactory(role="social_worker", organisation=elsewhere), other_service
        ),
    }
