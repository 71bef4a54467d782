from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from audit import roles  # registers the deployment check of the database role

        post_migrate.connect(roles.grant_after_migrate, sender=self)
