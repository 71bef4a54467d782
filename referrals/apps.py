from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        from audit import subjects
        from audit.registry import register
        from referrals.models import Referral, ReferralActivity, ReferralEvent

        register(Referral)
        register(ReferralEvent)
        register(ReferralActivity)
        subjects.register(Referral, "young_person")
        subjects.register(ReferralEvent, "referral__young_person")
        subjects.register(ReferralActivity, "referral__young_person")
