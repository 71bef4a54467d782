from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")

    def ready(self):
        from audit import subjects
        from audit.registry import register
        from meetings import models

        register(models.Meeting, m2m_fields={"schools", "guardians_present"})
        register(models.Attendance)
        register(models.AgendaItem)
        register(models.Decision)
        register(models.FollowUp)
        # Which token a user has is not logged (only its hash is stored, and never shown).
        register(models.CalendarFeed, exclude_fields=["token_hash"])
        subjects.register(models.Meeting, "case__young_person")
        subjects.register(models.Attendance, "meeting__case__young_person")
        subjects.register(models.AgendaItem, "case__young_person")
        subjects.register(models.Decision, "agenda_item__case__young_person")
        subjects.register(models.FollowUp, "plan_item__case__young_person")
