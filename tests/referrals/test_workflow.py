"""The hand-over through the pages: draft → sent → accepted or declined → in progress →
completed, or withdrawn; each step by the right party only, each recorded as an event that
both parties see."""

import datetime

import pytest

from audit.models import LogEntry
from referrals.models import Referral, ReferralActivity, ReferralEvent
from tests.cases.factories import make_personnummer
from tests.once import post_form
from tests.referrals.conftest import TODAY, make_referral, mediation_form, victim_support_form


def as_user(client, user):
    client.force_login(user)
    return client


def panel_of(response) -> dict:
    """The referrals panel of a home page."""
    return next(
        p for p in response.context["panels"] if p["template"] == "referrals/home_panel.html"
    )


def status_of(referral):
    referral.refresh_from_db()
    return referral.status


def test_a_sent_referral_reaches_the_receiver_and_not_before(client, people, organisations):
    number = make_personnummer(datetime.date(TODAY.year - 16, 5, 1))
    post_form(
        as_user(client, people["police"]),
        "/referrals/new/mediation/",
        mediation_form(organisations, number),
    )
    referral = Referral.objects.get()
    url = f"/referrals/{referral.pk}/"
    assert as_user(client, people["mediator"]).get(url).status_code == 404  # a draft
    assert referral not in panel_of(client.get("/"))["waiting"]

    response = as_user(client, people["police"]).post(f"{url}send/", {"expected": "draft"})
    assert response.status_code == 302 and status_of(referral) == "sent"

    client.force_login(people["mediator"])
    assert client.get(url).status_code == 200
    panel = panel_of(client.get("/"))
    assert [r.pk for r in panel["waiting"]] == [referral.pk]
    assert panel["counts"]["new"] == 1
    client.post(f"{url}accept/", {"expected": "sent"})
    assert status_of(referral) == "accepted"

    # The sender sees the new status and who accepted, on the referral and on the home page.
    html = as_user(client, people["police"]).get(url).content.decode()
    assert people["mediator"].get_full_name() in html
    outbox = panel_of(client.get("/"))
    assert [(r.pk, r.status) for r in outbox["outbox"]] == [(referral.pk, "accepted")]
    events = list(referral.events.values_list("from_status", "to_status", "actor__username"))
    assert events == [
        ("", "draft", "karin"),
        ("draft", "sent", "karin"),
        ("sent", "accepted", "maja"),
    ]


@pytest.mark.parametrize(
    "who,step,status",
    [
        ("police", "accept/", "sent"),
        ("police", "start/", "accepted"),
        ("police", "decline/", "sent"),
        ("police", "complete/", "in_progress"),
        ("police", "activities/new/", "accepted"),
        ("mediator", "send/", "sent"),
        ("mediator", "withdraw/", "sent"),
    ],
)
def test_a_transition_by_the_wrong_party_is_refused_with_403(
    client, people, organisations, who, step, status
):
    referral = make_referral(people["police"], organisations["mediation"], status=status)
    response = as_user(client, people[who]).post(
        f"/referrals/{referral.pk}/{step}", {"expected": status, "reason": "x"}
    )
    assert response.status_code == 403
    assert status_of(referral) == status
    assert referral.events.count() == 1
    assert LogEntry.objects.filter(
        object_pk=str(referral.pk), additional_data={"denied": True}
    ).exists()


def test_a_mediator_of_another_service_sees_nothing(client, people, organisations):
    referral = make_referral(people["police"], organisations["mediation"])
    client.force_login(people["other_mediator"])
    for step in ("", "accept/", "decline/", "complete/", "consents/", "activities/new/"):
        assert client.get(f"/referrals/{referral.pk}/{step}").status_code in {404, 405}, step
        assert client.post(f"/referrals/{referral.pk}/{step}").status_code == 404, step
    assert list(client.get("/referrals/inbox/?show=new").context["page"].object_list) == []
    panel = panel_of(client.get("/"))
    assert panel["waiting"] == [] and panel["counts"]["new"] == 0
    assert status_of(referral) == "sent"
    assert LogEntry.objects.filter(
        object_pk=str(referral.pk), actor=people["other_mediator"], additional_data={"denied": True}
    ).exists()


def test_the_victim_support_centre_does_not_see_mediation_referrals_to_it(
    client, people, organisations, make_user
):
    """The receiving right is per kind: a mediator at the support centre's organisation would
    not see victim-support referrals, and the centre's staff no mediation referral."""
    referral = make_referral(people["police"], organisations["victim_support"], kind="mediation")
    client.force_login(people["support"])
    assert client.get(f"/referrals/{referral.pk}/").status_code == 404


def test_withdrawal_after_acceptance_is_recorded_and_the_receiver_sees_it_at_home(
    client, people, organisations
):
    referral = make_referral(people["police"], organisations["mediation"], status="accepted")
    url = f"/referrals/{referral.pk}/"
    response = as_user(client, people["police"]).post(
        f"{url}withdraw/", {"expected": "accepted", "reason": "Målsäganden vill inte medverka."}
    )
    assert response.status_code == 302 and status_of(referral) == "withdrawn"
    event = referral.events.get(to_status="withdrawn")
    assert event.from_status == "accepted" and event.actor == people["police"]
    assert event.reason == "Målsäganden vill inte medverka."

    home = as_user(client, people["mediator"]).get("/")
    panel = panel_of(home)
    assert [r.pk for r in panel["withdrawn"]] == [referral.pk]
    assert f'href="{url}"' in home.content.decode()
    page = client.get(url).content.decode()
    assert "Målsäganden vill inte medverka." in page
    # A mediator elsewhere is told nothing.
    home = as_user(client, people["other_mediator"]).get("/")
    assert f'href="{url}"' not in home.content.decode()


def test_a_draft_withdrawn_before_sending_never_reaches_the_receiver(client, people, organisations):
    referral = make_referral(people["police"], organisations["mediation"], status="draft")
    as_user(client, people["police"]).post(
        f"/referrals/{referral.pk}/withdraw/", {"expected": "draft", "reason": "Fel mottagare."}
    )
    assert status_of(referral) == "withdrawn"
    home = as_user(client, people["mediator"]).get("/")
    panel = panel_of(home)
    assert panel["withdrawn"] == []
    assert client.get(f"/referrals/{referral.pk}/").status_code == 404


def test_a_decline_needs_a_reason_and_the_sender_reads_it(client, people, organisations):
    referral = make_referral(people["social"], organisations["mediation"])
    url = f"/referrals/{referral.pk}/"
    response = as_user(client, people["mediator"]).post(f"{url}decline/", {"expected": "sent"})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    client.post(f"{url}decline/", {"expected": "sent", "reason": "Gärningspersonen har flyttat."})
    assert status_of(referral) == "declined" and referral.closed_on == TODAY
    assert (
        "Gärningspersonen har flyttat."
        in as_user(client, people["social"]).get(url).content.decode()
    )


def test_a_page_that_showed_an_old_status_is_told_someone_else_acted(
    client, people, organisations, make_user
):
    colleague = make_user("mediator", username="mikael")
    referral = make_referral(people["police"], organisations["mediation"])
    as_user(client, people["mediator"]).post(
        f"/referrals/{referral.pk}/accept/", {"expected": "sent"}
    )
    response = as_user(client, colleague).post(
        f"/referrals/{referral.pk}/decline/", {"expected": "sent", "reason": "Ingen plats."}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert status_of(referral) == "accepted"
    assert referral.events.filter(to_status__in=["accepted", "declined"]).count() == 1


def test_mediation_starts_only_with_every_partys_consent_and_ends_with_the_prosecutor_informed(
    client, people, organisations
):
    referral = make_referral(
        people["police"], organisations["mediation"], status="accepted", victim_under_18=True
    )
    url = f"/referrals/{referral.pk}/"
    client.force_login(people["mediator"])
    client.post(f"{url}start/", {"expected": "accepted"})
    assert status_of(referral) == "accepted"  # the offender (16) and custodians, the victim...
    day = (TODAY - datetime.timedelta(days=1)).isoformat()
    client.post(
        f"{url}consents/",
        {
            "offender_consent_on": day,
            "offender_custodians_consent_on": day,
            "victim_consent_on": day,
        },
    )
    client.post(f"{url}start/", {"expected": "accepted"})
    assert status_of(referral) == "accepted"  # the victim is under 18: custodians too
    client.post(
        f"{url}consents/",
        {
            "offender_consent_on": day,
            "offender_custodians_consent_on": day,
            "victim_consent_on": day,
            "victim_custodians_consent_on": day,
        },
    )
    client.post(f"{url}start/", {"expected": "accepted"})
    assert status_of(referral) == "in_progress"

    response = client.post(f"{url}complete/", {"outcome": "agreement", "agreement_type": "apology"})
    errors = response.context["form"].errors
    assert "outcome" in errors and "prosecutor_informed_on" in errors  # no meeting held yet
    post_form(client, f"{url}activities/new/", {"kind": "pre_meeting", "date": day})
    post_form(
        client, f"{url}activities/new/", {"kind": "mediation_meeting", "date": TODAY.isoformat()}
    )
    client.post(
        f"{url}complete/",
        {
            "outcome": "agreement",
            "agreement_type": "apology",
            "prosecutor_informed_on": TODAY.isoformat(),
            "expected": "in_progress",
        },
    )
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.agreement_type) == (
        "completed",
        "agreement",
        "apology",
    )
    assert referral.prosecutor_informed_on == TODAY and referral.closed_on == TODAY
    assert list(referral.activities.values_list("kind", flat=True)) == [
        "pre_meeting",
        "mediation_meeting",
    ]
    # The victim's name is for the mediation service only.
    assert "Kiosken på torget" in client.get(url).content.decode()
    assert "Kiosken på torget" not in as_user(client, people["police"]).get(url).content.decode()


def test_a_party_may_withdraw_at_any_time(client, people, organisations):
    referral = make_referral(people["police"], organisations["mediation"], status="accepted")
    client.force_login(people["mediator"])
    url = f"/referrals/{referral.pk}/complete/"
    response = client.post(url, {"outcome": "party_withdrew"})
    assert "reason" in response.context["form"].errors
    client.post(url, {"outcome": "party_withdrew", "reason": "Gärningspersonen ångrade sig."})
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("completed", "party_withdrew")
    assert referral.events.get(to_status="completed").reason == "Gärningspersonen ångrade sig."


def test_support_is_recorded_and_completed_and_the_sender_sees_each_step(
    client, people, organisations
):
    number = make_personnummer(datetime.date(TODAY.year - 17, 2, 1))
    post_form(
        as_user(client, people["police"]),
        "/referrals/new/victim-support/",
        victim_support_form(organisations, number),
    )
    referral = Referral.objects.get()
    url = f"/referrals/{referral.pk}/"
    client.post(f"{url}send/", {"expected": "draft"})
    client.force_login(people["support"])
    client.post(f"{url}accept/", {"expected": "sent"})
    client.post(f"{url}start/", {"expected": "accepted"})
    # Support before the referral was sent cannot be recorded.
    day_before = (TODAY - datetime.timedelta(days=1)).isoformat()
    response = post_form(
        client, f"{url}activities/new/", {"kind": "support_contact", "date": day_before}
    )
    assert "date" in response.context["form"].errors
    for note in ("Första samtalet.", "Stöd inför rättegången planeras."):
        response = post_form(
            client,
            f"{url}activities/new/",
            {"kind": "support_contact", "date": TODAY.isoformat(), "note": note},
        )
        assert response.status_code == 302
    client.post(f"{url}complete/", {"outcome": "support_given", "expected": "in_progress"})
    assert status_of(referral) == "completed"
    assert ReferralActivity.objects.filter(referral=referral, kind="support_contact").count() == 2
    steps = list(
        ReferralEvent.objects.filter(referral=referral).values_list("to_status", flat=True)
    )
    assert steps == ["draft", "sent", "accepted", "in_progress", "completed"]
    page = as_user(client, people["police"]).get(url)
    assert [e.to_status for e in page.context["view"].events] == steps
    assert page.context["view"].activities == []  # the centre's own records
