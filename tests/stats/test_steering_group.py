"""The steering group (styrgrupp, DESIGN §7) follows the targets and the statistics: a member
sees the coordinator's target on the follow-up, every table, and no case; only the coordinator
keeps the targets."""

import pytest

from stats.models import Target
from tests.once import form_token

pytestmark = pytest.mark.django_db


def test_a_steering_group_member_follows_what_the_coordinator_records(client, make_user):
    coordinator, member = make_user("coordinator"), make_user("steering_group")
    client.force_login(coordinator)
    response = client.post(
        "/stats/targets/",
        {
            "name": "Alkohol beslagtagen hos unga",
            "baseline_year": 2011,
            "baseline_value": "220",
            "yearly_change": "10",
            "direction": "increase",
            "form_token": form_token(client, "/stats/targets/"),
        },
    )
    assert response.status_code == 302

    client.force_login(member)
    assert "Alkohol beslagtagen hos unga" in client.get("/stats/follow-up/").content.decode()
    assert client.get("/stats/").status_code == 200
    assert client.get("/stats/follow-up/csv/?year=2020").status_code == 200
    assert client.get("/cases/").status_code == 200  # the list, empty: no team, no case
    target = Target.objects.get()
    refused = client.post(
        f"/stats/targets/{target.pk}/values/new/",
        {"year": 2020, "value": "300", "source": "Tullen", "entered_on": "2021-01-15"},
    )
    assert refused.status_code == 403
    assert not target.values.exists()

    # A school staff member without the role sees none of it.
    client.force_login(make_user("school_staff"))
    assert client.get("/stats/follow-up/").status_code == 403
