"""Back and Save again on the statistics' target forms records once (issue 18)."""

import pytest

from stats.models import Target, TargetValue
from tests.once import form_token

pytestmark = pytest.mark.django_db


def test_a_target_and_its_value_sent_twice_are_recorded_once(client, make_user):
    client.force_login(make_user("coordinator"))
    data = {
        "name": "Brott av unga 15–18",
        "baseline_year": 2011,
        "baseline_value": "181",
        "yearly_change": "-5",
        "direction": "decrease",
    }
    token = form_token(client, "/stats/targets/")
    for _ in range(2):
        response = client.post("/stats/targets/", {**data, "form_token": token})
        assert response.status_code == 302, response.context["form"].errors
    assert Target.objects.count() == 1
    target = Target.objects.get()
    url = f"/stats/targets/{target.pk}/values/new/"
    value = {"year": 2020, "value": "80", "source": "Polisen", "entered_on": "2021-01-15"}
    token = form_token(client, url)
    first = client.post(url, {**value, "form_token": token})
    again = client.post(url, {**value, "form_token": token}, follow=True)
    assert first["Location"] == "/stats/targets/" == again.redirect_chain[-1][0]
    assert "Formuläret var redan sparat" in again.content.decode()
    assert TargetValue.objects.filter(target=target).count() == 1
