"""Two mediators accepting the same referral at the same moment (PostgreSQL, where requests
really run at once): one acceptance, and the other is told someone else already did it."""

import threading

import pytest
from django.db import connection
from django.test import Client

from referrals.models import Referral, ReferralEvent
from tests.referrals.conftest import make_referral

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def roles():
    from tests.conftest import restore_roles

    restore_roles()


def test_two_simultaneous_accepts_give_one_acceptance(roles, make_user, organisations):
    police = make_user("school_police", username="karin")
    mediators = [make_user("mediator", username=f"medlare{i}") for i in range(2)]
    referral = make_referral(police, organisations["mediation"])
    start = threading.Barrier(len(mediators))
    answers = {}

    def accept(user):
        client = Client()
        client.force_login(user)
        try:
            start.wait()
            response = client.post(
                f"/referrals/{referral.pk}/accept/", {"expected": "sent"}, follow=True
            )
            # From the page itself: response.context is collected by a signal that every
            # thread's rendering reaches.
            html = response.content.decode()
            answers[user.username] = (
                response.status_code,
                [tag for tag in ("error", "success") if f"message-{tag}" in html],
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(m,)) for m in mediators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers.values()) == [(200, ["error"]), (200, ["success"])]
    assert Referral.objects.get().status == "accepted"
    accepted = ReferralEvent.objects.filter(referral=referral, to_status="accepted")
    assert accepted.count() == 1
    winner = next(name for name, (_code, tags) in answers.items() if tags == ["success"])
    assert accepted.get().actor.username == winner
