"""Individual network meetings: one case, invitations only within the consent, minutes read
under the case rule like notes, and decisions that become the commitment plan."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import ConsentCategory, PlanItem
from meetings import services
from meetings.models import Attendance, FollowUp
from tests.meetings.conftest import convene
from tests.once import post_form


def _page(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_inviting_a_leisure_worker_the_consent_excludes_is_refused_with_the_reason(
    client, people, network_meeting
):
    client.force_login(people["coordinator"])
    url = reverse("meetings:invite", args=[network_meeting.pk])
    response = post_form(client, url, {"user": people["leisure_staff"].pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Fritid (Leisure) is not covered by the consent of:" in page
    assert "the guardian (Mother)" in page
    assert "the guardian (Father)" in page
    assert "the young person" in page
    assert not Attendance.objects.filter(user=people["leisure_staff"]).exists()


def test_the_refusal_names_only_the_parties_whose_consent_is_missing(
    people, organisations, network_meeting, shared_case
):
    shared_case.own_consent.organisations.add(organisations["leisure"])
    shared_case.mother_consent.organisations.add(organisations["leisure"])
    with pytest.raises(ValidationError) as refused:
        services.invite(
            by=people["coordinator"], meeting=network_meeting, user=people["leisure_staff"]
        )
    message = " ".join(refused.value.messages)
    assert "the guardian (Father)" in message
    assert "Mother" not in message and "young person" not in message
    shared_case.father_consent.organisations.add(organisations["leisure"])
    invited = services.invite(
        by=people["coordinator"], meeting=network_meeting, user=people["leisure_staff"]
    )
    assert invited.organisation == organisations["leisure"]


def test_a_covered_team_member_is_invited_and_answers_on_the_home_page(
    client, people, network_meeting
):
    client.force_login(people["coordinator"])
    post_form(
        client,
        reverse("meetings:invite", args=[network_meeting.pk]),
        {"user": people["school_police"].pk},
    )
    home = _page(client, people["school_police"], reverse("home")).content.decode()
    assert "Invitations" in home and network_meeting.case.reference in home
    client.post(
        reverse("meetings:respond", args=[network_meeting.pk]),
        {"response": "accepted", "next": "home"},
    )
    row = Attendance.objects.get(meeting=network_meeting, user=people["school_police"])
    assert row.response == "accepted"
    home = _page(client, people["school_police"], reverse("home")).content.decode()
    assert "No invitations waiting for your answer." in home


def test_someone_off_the_team_is_not_invited(people, make_user, network_meeting):
    colleague = make_user("school_police")
    with pytest.raises(ValidationError, match="case team"):
        services.invite(by=people["coordinator"], meeting=network_meeting, user=colleague)


def _write_minutes(client, coordinator, meeting, text, category="social_services"):
    item = services.agenda_item_add(by=coordinator, meeting=meeting, topic="Skolgången")
    client.force_login(coordinator)
    response = client.post(
        reverse("meetings:minutes", args=[meeting.pk, item.pk]),
        {"minutes": text, "category": category},
    )
    assert response.status_code == 302
    return item


def test_after_consent_is_withdrawn_a_former_participant_cannot_read_the_minutes(
    client, people, network_meeting, shared_case
):
    police = people["school_police"]
    services.invite(by=people["coordinator"], meeting=network_meeting, user=police)
    _write_minutes(
        client, people["coordinator"], network_meeting, "Polisen har sett oro.", "police"
    )
    meeting_url = reverse("meetings:detail", args=[network_meeting.pk])
    case_url = reverse("cases:detail", args=[shared_case.pk])
    assert "Polisen har sett oro." in _page(client, police, meeting_url).content.decode()
    assert "Polisen har sett oro." in _page(client, police, case_url).content.decode()

    client.force_login(people["coordinator"])
    response = client.post(
        reverse("cases:consent_withdraw", args=[shared_case.pk, shared_case.father_consent.pk]),
        {"reason": "Pappan återkallade per telefon."},
    )
    assert response.status_code == 302

    assert _page(client, police, meeting_url).status_code == 404
    assert _page(client, police, case_url).status_code == 404
    assert (
        _page(client, police, reverse("meetings:print", args=[network_meeting.pk])).status_code
        == 404
    )
    # The owner's own people still read it.
    assert (
        "Polisen har sett oro."
        in _page(client, people["social_worker"], meeting_url).content.decode()
    )


def test_minutes_are_read_like_notes_by_category(client, people, network_meeting, shared_case):
    """The consent names school and police information only: the owner's social-services
    minutes stay with the owner, the school reads the school minutes."""
    for consent in (
        shared_case.mother_consent,
        shared_case.father_consent,
        shared_case.own_consent,
    ):
        consent.category_rows.exclude(category__in=["school", "police"]).delete()
    assert ConsentCategory.objects.filter(category="social_services").count() == 0
    _write_minutes(client, people["coordinator"], network_meeting, "Kartläggningen visar X.")
    _write_minutes(client, people["coordinator"], network_meeting, "Närvaron ska följas.", "school")
    url = reverse("meetings:detail", args=[network_meeting.pk])
    school = _page(client, people["school_staff"], url).content.decode()
    assert "Närvaron ska följas." in school and "Kartläggningen visar X." not in school
    assert "Minutes written that you may not read." in school
    owner = _page(client, people["social_worker"], url).content.decode()
    assert "Närvaron ska följas." in owner and "Kartläggningen visar X." in owner
    case_page = _page(
        client, people["school_staff"], reverse("cases:detail", args=[shared_case.pk])
    )
    assert "Närvaron ska följas." in case_page.content.decode()
    assert "Kartläggningen visar X." not in case_page.content.decode()


def test_a_decision_becomes_a_plan_item_on_the_case_and_the_next_meeting(
    client, people, organisations, network_meeting, shared_case
):
    item = services.agenda_item_add(
        by=people["coordinator"], meeting=network_meeting, topic="Skolgången"
    )
    client.force_login(people["coordinator"])
    due = datetime.date.today() + datetime.timedelta(days=40)
    response = post_form(
        client,
        reverse("meetings:decision_new", args=[network_meeting.pk, item.pk]),
        {
            "goal": "Full närvaro i maj",
            "action": "Mentorn ringer hem samma dag vid frånvaro",
            "responsible_organisation": organisations["school_a"].pk,
            "responsible_person": people["school_staff"].pk,
            "due_date": due.isoformat(),
            "category": "school",
        },
    )
    assert response.status_code == 302
    plan_item = PlanItem.objects.get(case=shared_case)
    assert plan_item.responsible_person == people["school_staff"] and plan_item.due_date == due

    case_page = _page(
        client, people["school_staff"], reverse("cases:detail", args=[shared_case.pk])
    )
    assert "Mentorn ringer hem samma dag" in case_page.content.decode()
    home = _page(client, people["school_staff"], reverse("home")).content.decode()
    assert "Mentorn ringer hem samma dag" in home  # my open commitments
    assert (
        _page(
            client, people["leisure_staff"], reverse("cases:detail", args=[shared_case.pk])
        ).status_code
        == 404
    )
    assert (
        "Mentorn ringer hem"
        not in _page(client, people["leisure_staff"], reverse("home")).content.decode()
    )

    following = convene(people["coordinator"], case=shared_case, days=21)
    prep = _page(client, people["coordinator"], reverse("meetings:prepare", args=[following.pk]))
    assert "Mentorn ringer hem samma dag" in prep.content.decode()
    detail = _page(client, people["coordinator"], reverse("meetings:detail", args=[following.pk]))
    assert "Mentorn ringer hem samma dag" in detail.content.decode()  # to follow up

    client.force_login(people["coordinator"])
    response = client.post(
        reverse("meetings:follow_up", args=[following.pk, plan_item.pk]),
        {"status": "in_progress", "follow_up": "Två samtal hem; närvaron bättre."},
    )
    assert response.status_code == 302
    plan_item.refresh_from_db()
    assert plan_item.status == "in_progress"
    assert plan_item.follow_up == "Två samtal hem; närvaron bättre."
    history = FollowUp.objects.get(plan_item=plan_item)
    assert history.meeting == following and history.status == "in_progress"
    school = _page(client, people["school_staff"], reverse("meetings:detail", args=[following.pk]))
    assert "Två samtal hem" in school.content.decode()


def test_a_decision_on_a_closed_case_or_for_someone_off_the_team_is_refused(
    people, organisations, make_user, network_meeting, shared_case
):
    item = services.agenda_item_add(
        by=people["coordinator"], meeting=network_meeting, topic="Skolgången"
    )
    decision = {
        "goal": "Mål",
        "action": "Åtgärd",
        "responsible_organisation": organisations["school_a"],
        "due_date": datetime.date.today(),
    }
    outsider = make_user("school_staff")
    with pytest.raises(ValidationError, match="team"):
        services.decision_record(
            by=people["coordinator"], item=item, responsible_person=outsider, **decision
        )
    shared_case.status, shared_case.closure_reason = "closed", "goals_met"
    shared_case.closed_on = datetime.date.today()
    shared_case.save()
    with pytest.raises(ValidationError, match="closed"):
        services.decision_record(by=people["coordinator"], item=item, **decision)
    assert not PlanItem.objects.exists()


def test_presence_of_the_young_person_and_a_guardian_is_recorded_without_names(
    client, people, shared_case
):
    meeting = convene(people["coordinator"], case=shared_case, days=0)
    services.invite(by=people["coordinator"], meeting=meeting, user=people["school_staff"])
    rows = {a.user_id: a for a in meeting.attendances.all()}
    client.force_login(people["coordinator"])
    response = client.post(
        reverse("meetings:attendance", args=[meeting.pk]),
        {
            f"presence_{rows[people['coordinator'].pk].pk}": "present",
            f"presence_{rows[people['school_staff'].pk].pk}": "excused",
            "young_person_present": "on",
            "guardians_present": [shared_case.mother.pk],
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "held" and meeting.young_person_present
    assert list(meeting.guardians_present.all()) == [shared_case.mother]
    assert (
        rows[people["school_staff"].pk]
        .__class__.objects.get(pk=rows[people["school_staff"].pk].pk)
        .presence
        == "excused"
    )
    page = _page(client, people["school_staff"], reverse("meetings:detail", args=[meeting.pk]))
    assert "Anna Berg" not in page.content.decode()  # the guardian by relation, not by name


def test_only_a_coordinator_leading_the_case_runs_the_meeting(client, people, network_meeting):
    url = reverse("meetings:item_new", args=[network_meeting.pk])
    assert _page(client, people["school_staff"], url).status_code == 403
    client.force_login(people["school_staff"])
    assert client.post(url, {"topic": "X"}).status_code == 403
    assert not network_meeting.items.exists()


def test_meeting_page_query_budget(client, people, network_meeting, django_assert_max_num_queries):
    for n in range(5):
        item = services.agenda_item_add(
            by=people["coordinator"], meeting=network_meeting, topic=f"Punkt {n}"
        )
        services.minutes_record(by=people["coordinator"], item=item, minutes=f"Protokoll {n}")
    client.force_login(people["school_staff"])
    with django_assert_max_num_queries(40):
        response = client.get(reverse("meetings:detail", args=[network_meeting.pk]))
    assert response.status_code == 200
