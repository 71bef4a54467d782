from django.apps import AppConfig
from django.core.signals import request_finished
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from audit import (
            roles,  # registers the deployment check of the database role
            seal,
            teams,
        )
        from audit.models import Checkpoint, Review, ReviewSample
        from audit.registry import register

        post_migrate.connect(roles.grant_after_migrate, sender=self)
        # The entries a request wrote are sealed after its response has gone.
        request_finished.connect(seal.settle, dispatch_uid="audit-seal-after-request")
        # A review's samples, verdicts and conclusion are themselves in the sealed log.
        register(Review)
        register(ReviewSample)
        register(Checkpoint)
        post_save.connect(teams.joined, sender="cases.CaseMember", dispatch_uid="audit-joined")
        post_delete.connect(teams.left, sender="cases.CaseMember", dispatch_uid="audit-left")
