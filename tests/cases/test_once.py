"""Back and Save again on a case's forms: the same one-time token records nothing new and leads
to what the first Save recorded; a token someone else used is refused (issue 18)."""

import pytest
from django.utils import timezone

from tests.once import form_token

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _forms(case, team, organisations, make_user):
    """(who posts, form address, data, the records the form makes, where the user lands)."""
    detail, consents = f"/cases/{case.pk}/", f"/cases/{case.pk}/consents/"
    return {
        "note": (
            "school",
            f"/cases/{case.pk}/notes/new/",
            {"text": "Frånvaron har ökat", "category": "school"},
            case.notes,
            detail,
        ),
        "plan item": (
            "social",
            f"/cases/{case.pk}/plan/new/",
            {
                "goal": "Närvaro",
                "action": "Morgonsamtal",
                "category": "school",
                "responsible_organisation": organisations["school_a"].pk,
                "due_date": TODAY.isoformat(),
            },
            case.plan_items,
            detail,
        ),
        "guardian": (
            "coordinator",
            f"/cases/{case.pk}/guardians/new/",
            {"name": "Lisa Berg", "relation": "mother", "has_custody": "on"},
            case.guardians,
            consents,
        ),
        "team member": (
            "coordinator",
            f"/cases/{case.pk}/team/",
            {"user": make_user("school_staff").pk, "role": "mentor"},
            case.members,
            f"/cases/{case.pk}/team/",
        ),
    }


@pytest.mark.parametrize("which", ["note", "plan item", "guardian", "team member"])
def test_back_and_save_again_records_once_and_shows_the_first(
    client, team, consented_case, organisations, make_user, which
):
    who, url, data, records, lands = _forms(consented_case, team, organisations, make_user)[which]
    client.force_login(team[who])
    before = records.count()
    token = form_token(client, url)
    first = client.post(url, {**data, "form_token": token})
    again = client.post(url, {**data, "form_token": token}, follow=True)
    assert first.status_code == 302 and first["Location"] == lands
    assert again.redirect_chain[-1][0] == lands
    assert "Formuläret var redan sparat" in again.content.decode()
    assert records.count() == before + 1
    # A new form (a new token) records again.
    if which != "team member":
        client.post(url, {**data, "form_token": form_token(client, url)})
        assert records.count() == before + 2


def test_a_token_another_user_sent_is_refused(client, team, consented_case):
    url = f"/cases/{consented_case.pk}/notes/new/"
    data = {"text": "Frånvaron har ökat", "category": "school"}
    client.force_login(team["school"])
    token = form_token(client, url)
    client.post(url, {**data, "form_token": token})
    client.force_login(team["social"])
    response = client.post(url, {**data, "category": "social_services", "form_token": token})
    assert response.status_code == 200
    assert consented_case.notes.count() == 1
    assert response.context["form"].non_field_errors()
