"""Housekeeping: removes school grants whose assignments have ended (and adds any missing).

Access never waits for this: the selectors also check the assignment's dates. Run it nightly
so that the grant table says what is true.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import User
from schools.models import Assignment, School, SchoolUserObjectPermission
from schools.services import sync_grants


class Command(BaseCommand):
    help = "Brings the view_school grants in line with the assignments' dates."

    def handle(self, *args, **options):
        today = timezone.localdate()
        pairs = set(Assignment.objects.values_list("user_id", "school_id"))
        pairs |= set(SchoolUserObjectPermission.objects.values_list("user_id", "content_object_id"))
        users = User.objects.in_bulk({user_id for user_id, _ in pairs})
        schools = School.objects.in_bulk({school_id for _, school_id in pairs})
        revoked = 0
        for user_id, school_id in sorted(pairs):
            had = SchoolUserObjectPermission.objects.filter(
                user_id=user_id, content_object_id=school_id
            ).exists()
            keeps = sync_grants(user=users[user_id], school=schools[school_id], today=today)
            revoked += had and not keeps
        self.stdout.write(f"{len(pairs)} person–school pairs checked, {revoked} grant(s) removed.")
