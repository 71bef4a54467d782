from django.core.management import call_command

from meetings.models import AgendaItem, Decision, Level, Meeting
from meetings.screening import has_personnummer


def test_the_demo_has_a_term_of_meetings_at_all_three_levels(db):
    call_command("seed_demo", force=True, verbosity=0)
    assert set(Meeting.objects.values_list("level", flat=True)) == set(Level.values)
    assert Meeting.objects.filter(status="held").count() >= 5
    assert Decision.objects.filter(plan_item__isnull=False).exists()
    assert not any(has_personnummer(i.minutes) for i in AgendaItem.objects.exclude(level="network"))
    count = Meeting.objects.count()
    from accounts.demo import load as users
    from meetings import demo

    demo.load(users())
    assert Meeting.objects.count() == count
