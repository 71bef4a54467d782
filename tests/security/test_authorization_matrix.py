import pytest

from tests.security.matrix import ANONYMOUS, EVERYONE, POLICIES, stale, undeclared, url_for


def test_every_url_pattern_has_a_policy():
    assert undeclared() == set(), "declare who may reach these in tests/security/matrix.py"


def test_no_policy_for_a_pattern_that_is_gone():
    assert stale() == set()


def test_a_new_view_without_a_policy_fails_the_matrix():
    assert undeclared("tests.security.extra_urls") == {"forgotten"}


@pytest.fixture
def world(users_by_role):
    return users_by_role


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_matrix(name, world, client):
    policy = POLICIES[name]
    url = url_for(name, world)
    wrong = {}
    for who in EVERYONE:
        client.logout()
        if who != ANONYMOUS:
            client.force_login(world[who])
        response = getattr(client, policy.method)(url)
        if response.status_code != policy.expected[who]:
            wrong[who] = (response.status_code, policy.expected[who])
    assert wrong == {}, f"{url}: role -> (got, expected)"
