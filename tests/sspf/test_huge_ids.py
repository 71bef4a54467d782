"""A hostile id in a page address (beyond the 64-bit id range) is a 404 like any other id
nobody may see, never a server error, and the refusal is still logged."""

import pytest

from audit.models import LogEntry

pytestmark = pytest.mark.django_db
HUGE = "9" * 25


@pytest.mark.parametrize(
    "path",
    [
        f"/cases/{HUGE}/",
        "/cases/{case}/plan/" + HUGE + "/follow-up/",
        f"/contacts/{HUGE}/",
        f"/schools/{HUGE}/",
    ],
)
def test_a_huge_id_is_a_404(client, make_user, path):
    coordinator = make_user("coordinator")
    client.force_login(coordinator)
    response = client.get(path.replace("{case}", HUGE))
    assert response.status_code == 404
    assert LogEntry.objects.filter(object_pk=HUGE, actor=coordinator).exists()
