import pytest

from tests.schools.factories import SchoolFactory, assign


@pytest.fixture
def schools(organisations):
    return {
        "a": SchoolFactory(name="Ekbackeskolan", organisation=organisations["school_a"]),
        "b": SchoolFactory(name="Lindängsskolan", organisation=organisations["school_b"]),
    }


@pytest.fixture
def pelle(make_user, schools):
    """A contact police officer at Ekbackeskolan."""
    user = make_user("school_police", username="pelle")
    assign(user, schools["a"])
    return user


@pytest.fixture
def petra(make_user, schools):
    """Another contact police officer, at Lindängsskolan only."""
    user = make_user("school_police", username="petra")
    assign(user, schools["b"])
    return user


@pytest.fixture
def fia(make_user, schools):
    """A field worker at Ekbackeskolan."""
    user = make_user("field_worker", username="fia")
    assign(user, schools["a"])
    return user


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator", username="sara")
