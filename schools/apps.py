from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Schools")

    def ready(self):
        from audit.registry import register
        from schools.models import Assignment, School, SchoolVisit, VisitRevision

        register(School)
        register(Assignment)
        register(SchoolVisit)
        register(VisitRevision)
