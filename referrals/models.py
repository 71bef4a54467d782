"""Referrals (remisser): tracked hand-overs from an organisation to a receiving service —
mediation for young offenders (Medlingslagen 2002:445) or the support centre for young crime
victims (Stödcentrum för unga brottsoffer).

Kind, status, outcome and the young person stay in clear (statistics count them by kind,
outcome and gender); the police report number, names, contact details and free text are
encrypted. Every model's __str__ is a reference, never a name or a number. Who may read a
referral is decided in referrals/access.py only.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from audit.access import AccessDetails
from cases.models import Case, Category, YoungPerson
from sspf.crypto import EncryptedCharField, EncryptedTextField, RowKeyField


class Referral(AccessDetails, models.Model):
    class Kind(models.TextChoices):
        MEDIATION = "mediation", _("Mediation")
        VICTIM_SUPPORT = "victim_support", _("Young-victims support")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class OffenceCategory(models.TextChoices):
        VIOLENCE = "violence", _("Assault or other violence")
        THREAT = "threat", _("Threat or harassment")
        ROBBERY = "robbery", _("Robbery")
        THEFT = "theft", _("Theft or shoplifting")
        DAMAGE = "damage", _("Criminal damage or graffiti")
        SEXUAL = "sexual", _("Sexual offence")
        ONLINE = "online", _("Offence online")
        OTHER = "other", _("Other offence")

    class Outcome(models.TextChoices):
        # Mediation
        AGREEMENT = "agreement", _("Agreement reached")
        NO_AGREEMENT = "no_agreement", _("Mediation held, no agreement")
        PARTY_WITHDREW = "party_withdrew", _("A party withdrew")
        NOT_HELD = "not_held", _("Mediation did not take place")
        # Young-victims support
        SUPPORT_GIVEN = "support_given", _("Support given")
        SUPPORT_DECLINED = "support_declined", _("The young person declined support")
        NOT_REACHED = "not_reached", _("The young person could not be reached")

    class AgreementType(models.TextChoices):
        APOLOGY = "apology", _("Apology")
        COMPENSATION = "compensation", _("Compensation")
        WORK = "work", _("Work for the victim")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind of referral"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    row_key = RowKeyField()
    # The sender: its organisation and that organisation's information category, so that the
    # case's sharing rule (CaseAccess.entry_filter) applies to it like to a note.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )
    category = models.CharField(_("information category"), max_length=20, choices=Category.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    receiver = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="received_referrals",
        verbose_name=_("receiving service"),
    )
    young_person = models.ForeignKey(
        YoungPerson, on_delete=models.PROTECT, related_name="referrals"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    # What the referral itself carries to the receiving service (typed by the sender).
    contact_name = EncryptedCharField(_("name of the young person"), max_length=200)
    contact_details = EncryptedCharField(_("how to reach them"), max_length=200, blank=True)
    note = EncryptedTextField(_("note"), blank=True)
    police_report_number = EncryptedCharField(_("police report number"), max_length=20, blank=True)
    offence_date = models.DateField(_("date of the offence"))
    offence_category = models.CharField(
        _("kind of offence"), max_length=20, choices=OffenceCategory.choices
    )
    # Mediation: the conditions of Medlingslagen, and the other party.
    admitted = models.BooleanField(_("the offender has admitted the act"), default=False)
    under_12_reason = EncryptedTextField(_("exceptional reason (under 12)"), blank=True)
    victim_name = EncryptedCharField(_("name of the victim"), max_length=200, blank=True)
    victim_under_18 = models.BooleanField(_("the victim is under 18"), default=False)
    offender_consent_on = models.DateField(_("offender's consent"), null=True, blank=True)
    offender_custodians_consent_on = models.DateField(
        _("offender's custodians' consent"), null=True, blank=True
    )
    victim_consent_on = models.DateField(_("victim's consent"), null=True, blank=True)
    victim_custodians_consent_on = models.DateField(
        _("victim's custodians' consent"), null=True, blank=True
    )
    # Young-victims support: agreement to be contacted, or a self-referral.
    self_referral = models.BooleanField(_("self-referral"), default=False)
    victim_agreed_to_contact = models.BooleanField(
        _("the young person agrees to be contacted"), default=False
    )
    custodian_agreed_to_contact = models.BooleanField(
        _("a custodian agrees to the contact"), default=False
    )
    # Moments of the workflow, for the inbox (each transition is also a ReferralEvent).
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Outcome
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    agreement_type = models.CharField(
        _("kind of agreement"), max_length=20, choices=AgreementType.choices, blank=True
    )
    prosecutor_informed_on = models.DateField(_("prosecutor informed"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        # add_referral is the right to send; the receiving roles have one right per kind.
        default_permissions = ("add",)
        permissions = [
            ("receive_mediation", "Can receive and handle mediation referrals"),
            ("receive_victim_support", "Can receive and handle young-victims support referrals"),
        ]
        indexes = [
            models.Index(fields=["receiver", "kind", "status"]),
            models.Index(fields=["organisation", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="mediation") | Q(admitted=True),
                name="mediation_needs_an_admission",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | (~Q(outcome="") & Q(closed_on__isnull=False)),
                name="completed_referral_has_outcome",
            ),
        ]

    def __str__(self):
        return f"referral {self.pk}"

    @property
    def is_mediation(self) -> bool:
        return self.kind == self.Kind.MEDIATION

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.SENT, self.Status.ACCEPTED, self.Status.IN_PROGRESS}


class ReferralEvent(models.Model):
    """One transition of the workflow: who, when, from which status to which, and why."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    row_key = RowKeyField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=20, choices=Referral.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Referral.Status.choices)
    reason = EncryptedTextField(_("reason"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        default_permissions = ()

    def __str__(self):
        return f"event {self.pk} of referral {self.referral_id}"


class ReferralActivity(models.Model):
    """What the receiving service did: pre-meetings and the mediation meeting; support
    contacts, support during a trial and support for parents."""

    class Kind(models.TextChoices):
        PRE_MEETING = "pre_meeting", _("Pre-meeting")
        MEDIATION_MEETING = "mediation_meeting", _("Mediation meeting")
        SUPPORT_CONTACT = "support_contact", _("Support contact")
        TRIAL_SUPPORT = "trial_support", _("Support during a trial")
        PARENT_SUPPORT = "parent_support", _("Support for parents")

    FOR_KIND = {
        Referral.Kind.MEDIATION: [Kind.PRE_MEETING, Kind.MEDIATION_MEETING],
        Referral.Kind.VICTIM_SUPPORT: [
            Kind.SUPPORT_CONTACT,
            Kind.TRIAL_SUPPORT,
            Kind.PARENT_SUPPORT,
        ],
    }

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="activities")
    row_key = RowKeyField()
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("date"))
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        default_permissions = ()

    def __str__(self):
        return f"activity {self.pk} of referral {self.referral_id}"
