from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("Statistics")

    def ready(self):
        from audit.registry import register
        from stats.models import PurgeRun, Target, TargetValue

        # Statistical facts hold nothing personal and are written by the purge, which is
        # logged as a whole (PurgeRun, with its counts).
        for model in (Target, TargetValue, PurgeRun):
            register(model)
