import datetime

import factory

from accounts.models import Organisation
from schools.models import Assignment, School
from schools.services import sync_grants
from tests.factories import OrganisationFactory


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"Skola {n}")
    organisation = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.SCHOOL)
    level = School.Level.LOWER_SECONDARY
    area = "Centrum"


def assign(user, school, *, kind=None, start=None, end=None) -> Assignment:
    """An assignment written directly, with its grant, as the services would leave it."""
    if kind is None:
        kind = (
            Assignment.Kind.POLICE_CONTACT
            if user.organisation.kind == Organisation.Kind.POLICE
            else Assignment.Kind.FIELD_WORKER
        )
    assignment = Assignment.objects.create(
        school=school,
        user=user,
        kind=kind,
        start_date=start or datetime.date.today() - datetime.timedelta(days=100),
        end_date=end,
    )
    sync_grants(user=user, school=school)
    return assignment
