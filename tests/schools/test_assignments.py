"""Assignments: who may have one, no overlaps, and the grant that follows them.

Messages are in Swedish, the default language.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from guardian.shortcuts import get_perms

from schools import selectors, services
from schools.models import Assignment

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def start(by, school, user, kind=Assignment.Kind.POLICE_CONTACT, **dates):
    dates.setdefault("start_date", TODAY)
    return services.assignment_start(by=by, school=school, user=user, kind=kind, **dates)


@pytest.mark.django_db
class TestStart:
    def test_grants_view_school(self, coordinator, make_user, schools):
        officer = make_user("school_police")
        start(coordinator, schools["a"], officer)
        assert get_perms(officer, schools["a"]) == ["view_school"]
        assert list(selectors.schools_for(officer, TODAY)) == [schools["a"]]

    def test_police_assignment_needs_a_police_officer(self, coordinator, make_user, schools):
        with pytest.raises(ValidationError) as error:
            start(coordinator, schools["a"], make_user("school_staff"))
        assert "Bara den som tillhör en polisorganisation" in str(error.value)
        assert not Assignment.objects.exists()

    def test_field_worker_assignment_needs_a_field_worker(self, coordinator, make_user, schools):
        with pytest.raises(ValidationError, match="Bara en fältsekreterare"):
            start(
                coordinator, schools["a"], make_user("social_worker"), Assignment.Kind.FIELD_WORKER
            )

    def test_overlapping_duplicate_is_refused(self, coordinator, make_user, schools):
        officer = make_user("school_police")
        start(
            coordinator,
            schools["a"],
            officer,
            start_date=TODAY - 10 * DAY,
            end_date=TODAY + 10 * DAY,
        )
        with pytest.raises(ValidationError, match="har redan ett sådant uppdrag"):
            start(coordinator, schools["a"], officer, start_date=TODAY + 5 * DAY)
        with pytest.raises(ValidationError, match="har redan ett sådant uppdrag"):
            start(
                coordinator,
                schools["a"],
                officer,
                start_date=TODAY - 20 * DAY,
                end_date=TODAY - 9 * DAY,
            )
        assert Assignment.objects.count() == 1

    def test_back_to_back_and_other_schools_are_fine(self, coordinator, make_user, schools):
        officer = make_user("school_police")
        start(coordinator, schools["a"], officer, start_date=TODAY - 10 * DAY, end_date=TODAY)
        start(coordinator, schools["a"], officer, start_date=TODAY)
        start(coordinator, schools["b"], officer)
        assert Assignment.objects.count() == 3

    def test_end_before_start_is_refused(self, coordinator, make_user, schools):
        with pytest.raises(ValidationError, match="kan inte ligga före startdatumet"):
            start(coordinator, schools["a"], make_user("school_police"), end_date=TODAY - DAY)

    def test_only_coordinators_start_assignments(self, make_user, schools):
        with pytest.raises(PermissionDenied):
            start(make_user("school_police"), schools["a"], make_user("school_police"))


@pytest.mark.django_db
class TestEnd:
    def test_ending_today_takes_the_school_away_at_once(self, coordinator, pelle, schools):
        assignment = Assignment.objects.get(user=pelle)
        services.assignment_end(by=coordinator, assignment=assignment, end_date=TODAY)
        assert get_perms(pelle, schools["a"]) == []
        assert not selectors.schools_for(pelle, TODAY).exists()

    def test_an_end_date_ahead_keeps_access_until_that_day(self, coordinator, pelle, schools):
        assignment = Assignment.objects.get(user=pelle)
        services.assignment_end(by=coordinator, assignment=assignment, end_date=TODAY + 7 * DAY)
        assert selectors.schools_for(pelle, TODAY + 6 * DAY).exists()
        # From the end date on, the date check closes access even before any job runs.
        assert not selectors.schools_for(pelle, TODAY + 7 * DAY).exists()

    def test_an_assignment_not_yet_started_gives_no_access(self, coordinator, make_user, schools):
        officer = make_user("school_police")
        start(coordinator, schools["a"], officer, start_date=TODAY + 3 * DAY)
        assert not selectors.schools_for(officer, TODAY).exists()
        assert selectors.schools_for(officer, TODAY + 3 * DAY).exists()

    def test_deleting_an_assignment_removes_the_grant(self, pelle, schools):
        Assignment.objects.filter(user=pelle).delete()
        services.sync_grants(user=pelle, school=schools["a"])
        assert get_perms(pelle, schools["a"]) == []

    def test_an_ended_assignment_cannot_be_ended_again(self, coordinator, pelle):
        assignment = Assignment.objects.get(user=pelle)
        services.assignment_end(by=coordinator, assignment=assignment, end_date=TODAY)
        with pytest.raises(ValidationError, match="redan avslutat"):
            services.assignment_end(by=coordinator, assignment=assignment, end_date=TODAY)

    def test_a_coming_assignment_keeps_the_grant_when_the_current_ends(
        self, coordinator, fia, schools
    ):
        current = Assignment.objects.get(user=fia)
        services.assignment_end(by=coordinator, assignment=current, end_date=TODAY + 30 * DAY)
        start(
            coordinator,
            schools["a"],
            fia,
            Assignment.Kind.FIELD_WORKER,
            start_date=TODAY + 30 * DAY,
        )
        services.assignment_end(by=coordinator, assignment=current, end_date=TODAY)
        assert get_perms(fia, schools["a"]) == ["view_school"]  # the coming one keeps it
        assert not selectors.schools_for(fia, TODAY).exists()  # but not today
        assert selectors.schools_for(fia, TODAY + 30 * DAY).exists()


@pytest.mark.django_db
def test_nightly_sync_removes_grants_of_ended_assignments(pelle, fia, schools):
    from io import StringIO

    from django.core.management import call_command

    Assignment.objects.filter(user=pelle).update(end_date=TODAY)  # ended behind the services
    assert get_perms(pelle, schools["a"]) == ["view_school"]
    out = StringIO()
    call_command("sync_school_grants", stdout=out)
    assert "1 grant(s) removed" in out.getvalue()
    assert get_perms(pelle, schools["a"]) == []
    assert get_perms(fia, schools["a"]) == ["view_school"]
