"""The referral access rule three ways that must agree for any world: the formula of
referrals/access.py's docstring written here over plain values, the predicate (`side`,
`may_view`) and the queryset filter (`viewable_referrals`)."""

import datetime

import pytest
from auditlog.context import disable_auditlog
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referrals import access
from referrals.models import Referral
from tests.cases.factories import make_person
from tests.factories import OrganisationFactory, UserFactory

ORGS = 3
ROLES = ["school_police", "social_worker", "mediator", "victim_support", "school_staff"]
SENDS = {"school_police", "social_worker"}
RECEIVES = {"mediation": "mediator", "victim_support": "victim_support"}

referral = st.fixed_dictionaries(
    {
        "sender": st.integers(0, ORGS - 1),
        "receiver": st.integers(0, ORGS - 1),
        "kind": st.sampled_from(list(RECEIVES)),
        "status": st.sampled_from(Referral.Status.values),
        "sent": st.booleans(),
    }
)


def formula(user_org, role, spec) -> bool:
    sender_side = user_org == spec["sender"] and role in SENDS
    receiver_side = user_org == spec["receiver"] and role == RECEIVES[spec["kind"]] and spec["sent"]
    return sender_side or receiver_side


@pytest.fixture
def world(db):
    orgs = [OrganisationFactory(kind="social_services") for _ in range(ORGS)]
    users = [
        (i, role, UserFactory(role=role, organisation=org))
        for i, org in enumerate(orgs)
        for role in ROLES
    ]
    return {"orgs": orgs, "users": users, "person": make_person(age=16)}


@pytest.mark.django_db
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=st.lists(referral, min_size=1, max_size=6))
def test_formula_predicate_and_filter_agree(specs, world):
    orgs, sender = world["orgs"], world["users"][0][2]
    with transaction.atomic(), disable_auditlog():
        made = [
            Referral.objects.create(
                kind=spec["kind"],
                status=spec["status"],
                organisation=orgs[spec["sender"]],
                category="social_services",
                created_by=sender,
                receiver=orgs[spec["receiver"]],
                young_person=world["person"],
                contact_name="x",
                offence_date=datetime.date(2025, 1, 1),
                offence_category="other",
                admitted=True,
                sent_at=timezone.now() if spec["sent"] else None,
                outcome="not_held" if spec["status"] == "completed" else "",
                closed_on=datetime.date(2025, 2, 1) if spec["status"] == "completed" else None,
            )
            for spec in specs
        ]
        for org, role, user in world["users"]:
            filtered = set(access.viewable_referrals(user).values_list("pk", flat=True))
            for spec, row in zip(specs, made, strict=True):
                expected = formula(org, role, spec)
                assert access.may_view(user, row) == expected == (row.pk in filtered), (
                    role,
                    org,
                    spec,
                )
        transaction.set_rollback(True)
