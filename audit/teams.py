"""The history of case teams, for the finding "read after leaving the team".

A CaseMember row exists only while the user is on the team. Signals (connected in
audit/apps.py) copy each stay into TeamMembership, whichever path adds or removes a member
(the team page, an organisation change, demo data), in the same transaction.
"""

from django.utils import timezone

from audit.models import TeamMembership


def joined(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        TeamMembership.objects.create(
            case_id=instance.case_id,
            user_id=instance.user_id,
            joined_at=instance.added_at or timezone.now(),
        )


def left(sender, instance, **kwargs):
    TeamMembership.objects.filter(
        case_id=instance.case_id, user_id=instance.user_id, left_at__isnull=True
    ).update(left_at=timezone.now())
