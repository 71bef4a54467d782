"""Hostile input gives a clear message and saves nothing, never a 500 (issue 10, item 6).

Each crash the probe found is posted through the page that a user (or someone imitating one)
uses: a huge id in a note's hidden `corrects` and in a consent's organisations, a consent that
starts on 9999-12-31 with no end, a contact at 0001-01-01T00:00. The tests after those check
that every form in cases/, contacts/ and schools/ is built from the bounded fields, so that a
field added later is bounded too.

Messages are compared as the text the page shows, so the checks hold in either language.
"""

import datetime
import inspect
import uuid

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

import accounts.forms
import audit.forms
import cases.forms
import contacts.forms
import meetings.forms
import referrals.forms
import schools.forms
import stats.forms
from accounts.models import Organisation, User
from cases import services
from cases.models import Case, CaseMember, Consent, Note
from contacts.models import Contact, Place
from sspf import forms as bounded
from stats.models import Target
from tests.cases.factories import make_case, make_note, make_person
from tests.once import post_form

pytestmark = pytest.mark.django_db

# Larger than any 64-bit integer: SQLite cannot even be asked about it.
HUGE = "99999999999999999999"
TODAY = timezone.localdate()


@pytest.fixture
def sara(make_user):
    """The coordinator of the case, in social services (the owner)."""
    return make_user("coordinator", username="sara")


@pytest.fixture
def case(sara, make_user, organisations):
    return make_case(
        person=make_person(age=16, recorded_by=organisations["social_services"]),
        owner=organisations["social_services"],
        coordinator=sara,
        members=[(make_user("social_worker"), CaseMember.Role.CASE_WORKER)],
    )


@pytest.fixture
def fredrik(make_user):
    return make_user("field_worker", username="fredrik")


@pytest.fixture
def place(db):
    return Place.objects.create(name="Resecentrum", kind="station")


def shown_error(response, field=None) -> str:
    """The form's first error on `field` (or at the top of the form), checked to be on the page
    the user gets back."""
    assert response.status_code == 200, response.status_code
    form = response.context["form"]
    errors = form.errors.get(field) if field else form.non_field_errors()
    assert errors, form.errors
    message = str(errors[0])
    assert escape(message) in response.content.decode()
    return message


def consent(client, case, **data):
    payload = {
        "party": "person",
        "categories": ["school"],
        "purpose": "Samverkan",
        "valid_from": TODAY.isoformat(),
    }
    return post_form(client, f"/cases/{case.pk}/consents/", {**payload, **data})


def contact(client, place, **data):
    payload = {
        "client_token": str(uuid.uuid4()),
        "mode": "group",
        "kind": "street",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place": place.pk,
        "girls": "2",
    }
    return client.post("/contacts/new/", {**payload, **data})


class TestTheCrashesFromTheProbe:
    def test_a_huge_number_in_a_notes_corrects(self, client, sara, case):
        make_note(case, sara, category="social_services")
        client.force_login(sara)
        response = post_form(
            client,
            f"/cases/{case.pk}/notes/new/",
            {"text": "Rättelse", "category": "social_services", "corrects": HUGE},
        )
        # The field is hidden, so its message is shown at the top of the form.
        assert shown_error(response) == shown_error(response, "corrects")
        assert Note.objects.count() == 1

    def test_a_huge_number_among_a_consents_organisations(self, client, sara, case, organisations):
        client.force_login(sara)
        response = consent(client, case, organisations=[organisations["police"].pk, HUGE])
        assert HUGE in shown_error(response, "organisations")
        assert not Consent.objects.exists()

    def test_a_consent_starting_on_the_last_day_of_the_calendar(
        self, client, sara, case, organisations
    ):
        client.force_login(sara)
        response = consent(
            client,
            case,
            organisations=[organisations["police"].pk],
            valid_from="9999-12-31",
            valid_until="",
        )
        message = shown_error(response, "valid_from")
        assert "1900-01-01" in message and "2100-12-31" in message
        assert not Consent.objects.exists()

    def test_a_contact_at_the_first_moment_of_the_calendar(self, client, fredrik, place):
        client.force_login(fredrik)
        response = contact(client, place, occurred_at="0001-01-01T00:00")
        message = shown_error(response, "occurred_at")
        assert "2000-01-01" in message and "2100-12-31" in message
        assert not Contact.objects.exists()


class TestMoreOfTheSame:
    """The same kinds of input in the other fields that take an id or a date."""

    def test_a_huge_number_among_a_contacts_co_workers(self, client, fredrik, place):
        client.force_login(fredrik)
        assert HUGE in shown_error(contact(client, place, co_workers=[HUGE]), "co_workers")
        assert not Contact.objects.exists()

    def test_a_contact_at_the_last_moment_of_the_calendar(self, client, fredrik, place):
        client.force_login(fredrik)
        shown_error(contact(client, place, occurred_at="9999-12-31T23:59"), "occurred_at")
        assert not Contact.objects.exists()

    def test_a_broken_form_token_is_shown_not_swallowed(self, client, fredrik, place):
        client.force_login(fredrik)
        assert shown_error(contact(client, place, client_token="not-a-token"))
        assert not Contact.objects.exists()

    def test_a_plan_item_due_in_year_one(self, client, sara, case, organisations):
        client.force_login(sara)
        response = post_form(
            client,
            f"/cases/{case.pk}/plan/new/",
            {
                "goal": "Närvaro",
                "action": "Samtal",
                "responsible_organisation": organisations["social_services"].pk,
                "responsible_person": HUGE,
                "due_date": "0001-01-01",
                "category": "social_services",
            },
        )
        assert "1900-01-01" in shown_error(response, "due_date")
        assert shown_error(response, "responsible_person")
        assert not case.plan_items.exists()

    def test_a_case_cannot_be_closed_on_a_future_day(self, client, sara, case):
        """Retention counts from the closing day; a day ahead would keep the data longer."""
        client.force_login(sara)
        tomorrow = TODAY + datetime.timedelta(days=1)
        response = client.post(
            f"/cases/{case.pk}/close/", {"reason": "goals_met", "closed_on": tomorrow.isoformat()}
        )
        assert shown_error(response, "closed_on")
        case.refresh_from_db()
        assert (case.status, case.closed_on) == (Case.Status.ACTIVE, None)

    def test_huge_ids_and_dates_in_list_filters(self, client, sara, fredrik):
        client.force_login(sara)
        assert client.get(f"/cases/?school={HUGE}").status_code == 200
        assert client.get(f"/schools/assignments/?school={HUGE}").status_code == 200
        client.force_login(fredrik)
        assert client.get(f"/contacts/?place={HUGE}&since=0001-01-01").status_code == 200


def test_the_consent_service_refuses_a_start_past_the_calendar(sara, case, organisations):
    """Called without the form (a script, a later view), the service still refuses cleanly."""
    with pytest.raises(ValidationError) as refused:
        services.consent_record(
            by=sara,
            case=case,
            guardian=None,
            organisations=[organisations["police"]],
            categories=["school"],
            purpose="Samverkan",
            valid_from=datetime.date(9999, 12, 31),
        )
    assert "valid_from" in refused.value.error_dict
    assert not Consent.objects.exists()


class TestBoundedFields:
    def test_dates_outside_the_range_are_refused(self):
        field = bounded.DateField()
        for text in ("0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"):
            with pytest.raises(ValidationError) as refused:
                field.clean(text)
            assert refused.value.code == "out_of_range"
        assert field.clean("2026-05-01") == datetime.date(2026, 5, 1)

    def test_a_moment_is_bounded_on_its_local_date(self):
        field = bounded.DateTimeField(earliest=datetime.date(2000, 1, 1))
        for text in ("0001-01-01T00:00", "1999-12-31T23:59", "9999-12-31T23:59"):
            with pytest.raises(ValidationError):
                field.clean(text)
        moment = field.clean("2000-01-01T00:00")
        assert timezone.is_aware(moment) and moment.year == 2000

    def test_the_date_picker_is_told_the_bounds(self):
        date, moment = bounded.DateField().widget, bounded.DateTimeField().widget
        assert (date.input_type, date.attrs["min"], date.attrs["max"]) == (
            "date",
            "1900-01-01",
            "2100-12-31",
        )
        assert (moment.input_type, moment.attrs["min"], moment.attrs["max"]) == (
            "datetime-local",
            "1900-01-01T00:00",
            "2100-12-31T23:59",
        )

    def test_an_impossible_id_is_refused_without_asking_the_database(self, organisations):
        many = bounded.ModelMultipleChoiceField(queryset=Organisation.objects.all())
        one = bounded.ModelChoiceField(queryset=Organisation.objects.all())
        with CaptureQueriesContext(connection) as queries:
            for field, value in ((many, [HUGE]), (one, HUGE), (many, ["-" + HUGE])):
                with pytest.raises(ValidationError) as refused:
                    field.clean(value)
                assert refused.value.code == "invalid_choice"
        assert len(queries) == 0
        for field, value in ((many, ["9" * 5000]), (one, "9" * 5000), (many, ["1e3"])):
            with pytest.raises(ValidationError):  # not a number Python parses: Django's error
                field.clean(value)
        police = organisations["police"]
        assert list(many.clean([str(police.pk)])) == [police]
        assert one.clean(str(police.pk)) == police


FORM_MODULES = [
    accounts.forms,
    audit.forms,
    cases.forms,
    contacts.forms,
    meetings.forms,
    referrals.forms,
    schools.forms,
    stats.forms,
]
# Django's field → ours; the multiple choice first, as it is also a ModelChoiceField.
UNBOUNDED = {
    forms.ModelMultipleChoiceField: bounded.ModelMultipleChoiceField,
    forms.ModelChoiceField: bounded.ModelChoiceField,
    forms.DateTimeField: bounded.DateTimeField,
    forms.DateField: bounded.DateField,
}


def _form_fields():
    for module in FORM_MODULES:
        for name, form in inspect.getmembers(module, inspect.isclass):
            if issubclass(form, forms.BaseForm) and form.__module__ == module.__name__:
                for field_name, field in form.base_fields.items():
                    yield f"{module.__name__}.{name}.{field_name}", form, field


def _bounded_by_its_column(form, name) -> bool:
    """A model form's integer checks the range of its column when the instance is validated."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is None:
        return False
    try:
        column = model._meta.get_field(name)
    except Exception:  # noqa: BLE001  (a form field that is not a column)
        return False
    return any(isinstance(v, MaxValueValidator) for v in column.validators)


def test_every_id_and_date_field_is_a_bounded_one():
    wrong = []
    for where, form, field in _form_fields():
        field_name = where.rsplit(".", 1)[1]
        ours = next((o for d, o in UNBOUNDED.items() if isinstance(field, d)), None)
        if ours is not None and not isinstance(field, ours):
            wrong.append(f"{where}: use sspf.forms.{ours.__name__}")
        if (
            isinstance(field, forms.IntegerField)
            and not isinstance(field, forms.DecimalField)  # bounded by its digits
            and (field.min_value is None or field.max_value is None)
            and not _bounded_by_its_column(form, field_name)
        ):
            wrong.append(f"{where}: an IntegerField needs min_value and max_value")
    assert wrong == []


def test_every_form_with_a_hidden_field_shows_its_errors():
    wrong = {
        where
        for where, form, field in _form_fields()
        if field.widget.is_hidden and not issubclass(form, bounded.HiddenErrorsOnTop)
    }
    assert wrong == set()


class TestFoundByTheFuzzer:
    """Crashes that tests/security/test_hostile_forms.py found, each through its page."""

    def test_a_target_that_falls_by_a_hundred_per_cent_a_year(self, client, sara):
        """(1 − 100/100) to the power of 0 or less has no value: the follow-up report of the
        baseline year was a 500 for every reader of the statistics."""
        client.force_login(sara)
        last_year = TODAY.year - 1
        target = {
            "name": "Brott av unga",
            "baseline_year": str(last_year),
            "baseline_value": "181",
            "direction": "decrease",
            "measure": "",
        }
        for change in ("-100", "-150"):
            response = post_form(client, "/stats/targets/", {**target, "yearly_change": change})
            assert "100" in shown_error(response, "yearly_change")
        assert not Target.objects.exists()
        response = post_form(client, "/stats/targets/", {**target, "yearly_change": "-5"})
        assert response.status_code == 302 and Target.objects.count() == 1
        for year in (last_year, last_year - 3):
            assert client.get(f"/stats/follow-up/?year={year}").status_code == 200

    def test_the_service_refuses_such_a_target_too(self, sara):
        """Whatever path creates a target (a command, an import), not only the form."""
        from stats.services import target_create

        with pytest.raises(ValidationError) as refused:
            target_create(
                by=sara,
                name="Brott av unga",
                baseline_year=TODAY.year - 1,
                baseline_value=181,
                yearly_change=-100,
                direction="decrease",
            )
        assert "yearly_change" in refused.value.message_dict
        assert not Target.objects.exists()

    def test_an_impossible_role_for_a_new_user(self, client, make_user):
        """The administrator's user form: a role id beyond 64 bits cannot be sent to SQLite."""
        admin = make_user("administrator", is_staff=True)
        client.force_login(admin)
        response = client.post(
            "/admin/accounts/user/add/",
            {
                "username": "ny",
                "first_name": "Ny",
                "last_name": "Användare",
                "email": "ny@example.org",
                "organisation": admin.organisation_id,
                "groups": [HUGE],
            },
        )
        assert response.status_code == 200
        assert HUGE in response.context["adminform"].form.errors["groups"][0]
        assert not User.objects.filter(username="ny").exists()
