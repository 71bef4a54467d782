from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from audit.registry import register
        from cases import models

        # The birth date is in clear in the register (age rules need it), never in the log.
        register(models.YoungPerson, mask_fields=["birth_date"])
        for model in (
            models.PersonName,
            models.Guardian,
            models.Case,
            models.CaseMember,
            models.Consent,
            models.Note,
            models.PlanItem,
            models.Disclosure,
        ):
            # The edit version (optimistic locking) is bookkeeping, not content.
            versioned = issubclass(model, models.Versioned)
            register(model, exclude_fields=["version"] if versioned else ())
        # What each model is about, for the auditors' extract of a person (audit/subjects.py).
        from audit import subjects

        subjects.register(models.YoungPerson, "")
        subjects.register(models.PersonName, "young_person")
        subjects.register(models.Case, "young_person")
        for model in (
            models.Guardian,
            models.CaseMember,
            models.Consent,
            models.Note,
            models.PlanItem,
            models.Disclosure,
        ):
            subjects.register(model, "case__young_person")
