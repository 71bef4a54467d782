"""Demo referrals in every state for both receiving services (Medlingsverksamheten and
Stödcentrum för unga brottsoffer Norrby), sent by the contact police officer, the social worker
and the coordinator about the demo young people. Written directly, with their events."""

import datetime

from django.utils import timezone

from accounts.models import Organisation, User
from cases.models import Case, PersonName, category_of
from referrals.models import Referral, ReferralActivity, ReferralEvent

S = Referral.Status
# The steps that lead to each state, from the draft on.
PATHS = {
    S.DRAFT: [],
    S.SENT: [S.SENT],
    S.ACCEPTED: [S.SENT, S.ACCEPTED],
    S.DECLINED: [S.SENT, S.DECLINED],
    S.IN_PROGRESS: [S.SENT, S.ACCEPTED, S.IN_PROGRESS],
    S.COMPLETED: [S.SENT, S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED],
    S.WITHDRAWN: [S.SENT, S.ACCEPTED, S.WITHDRAWN],
}
REASONS = {
    S.DECLINED: "Gärningspersonen har flyttat från kommunen.",
    S.WITHDRAWN: "Målsäganden vill inte längre medverka.",
}
# (kind, status, sender, family name of the young person, days since it was sent, case?)
REFERRALS = [
    ("mediation", S.DRAFT, "socialsekreterare", "Hassan", 0, False),
    ("mediation", S.SENT, "kontaktpolis", "Sjöberg", 1, True),
    ("mediation", S.SENT, "kontaktpolis", "Lind", 12, False),  # overdue
    ("mediation", S.ACCEPTED, "socialsekreterare", "Hassan", 6, False),
    ("mediation", S.DECLINED, "kontaktpolis", "Sjöberg", 20, False),
    ("mediation", S.IN_PROGRESS, "samordnare", "Nyström", 15, False),
    ("mediation", S.COMPLETED, "kontaktpolis", "Hassan", 60, False),
    ("mediation", S.WITHDRAWN, "socialsekreterare", "Lind", 9, False),
    ("victim_support", S.DRAFT, "kontaktpolis", "Nyström", 0, False),
    ("victim_support", S.SENT, "kontaktpolis", "Bergqvist", 2, False),
    ("victim_support", S.SENT, "socialsekreterare", "Ahmadi", 10, False),  # overdue, protected
    ("victim_support", S.ACCEPTED, "kontaktpolis", "Lind", 4, False),
    ("victim_support", S.DECLINED, "samordnare", "Hassan", 25, False),
    ("victim_support", S.IN_PROGRESS, "kontaktpolis", "Nyström", 14, False),
    ("victim_support", S.COMPLETED, "kontaktpolis", "Bergqvist", 45, False),
    ("victim_support", S.WITHDRAWN, "kontaktpolis", "Sjöberg", 8, False),
]
GIVEN = {
    "Bergqvist": "Ellinor",
    "Sjöberg": "Malte",
    "Ahmadi": "Kim",
    "Lind": "Nora",
    "Hassan": "Leo",
    "Nyström": "Alva",
}


def load(users: dict[str, User], today: datetime.date | None = None) -> None:
    if Referral.objects.exists():
        return
    now = timezone.now()
    today = today or timezone.localdate()
    receivers = {
        "mediation": Organisation.objects.filter(receives_mediation_referrals=True).first(),
        "victim_support": Organisation.objects.filter(
            receives_victim_support_referrals=True
        ).first(),
    }
    handlers = {"mediation": users["medlare"], "victim_support": users["stodcentrum"]}
    people = {
        name.family_name: name.young_person
        for name in PersonName.objects.select_related("young_person")
    }
    if not people or None in receivers.values():
        return
    for n, (kind, status, sender_name, family, days, with_case) in enumerate(REFERRALS):
        sender, handler = users[sender_name], handlers[kind]
        person = people[family]
        sent_at = now - datetime.timedelta(days=days, hours=2) if status != S.DRAFT else None
        case = Case.objects.filter(young_person=person).first() if with_case else None
        completed = status == S.COMPLETED
        mediation = kind == "mediation"
        consented = today - datetime.timedelta(days=max(days - 3, 0))
        referral = Referral.objects.create(
            kind=kind,
            status=status,
            organisation=sender.organisation,
            category=category_of(sender.organisation),
            created_by=sender,
            receiver=receivers[kind],
            young_person=person,
            case=case,
            contact_name=f"{GIVEN[family]} {family}",
            contact_details="070-123 45 67 (vårdnadshavare)",
            note="Överlämnas efter samtal med familjen.",
            police_report_number=f"5000-K{4711 + n}-{today:%y}" if mediation or n % 2 else "",
            offence_date=today - datetime.timedelta(days=days + 10),
            offence_category="damage" if mediation else "robbery",
            admitted=mediation,
            victim_name="Kiosken på torget" if mediation else "",
            victim_under_18=False,
            offender_consent_on=consented if mediation and status == S.IN_PROGRESS else None,
            offender_custodians_consent_on=consented
            if mediation and status == S.IN_PROGRESS
            else None,
            victim_consent_on=consented if mediation and status == S.IN_PROGRESS else None,
            victim_agreed_to_contact=not mediation,
            custodian_agreed_to_contact=not mediation,
            sent_at=sent_at,
            answered_at=sent_at + datetime.timedelta(days=1)
            if status not in (S.DRAFT, S.SENT)
            else None,
            withdrawn_at=now - datetime.timedelta(days=1) if status == S.WITHDRAWN else None,
            outcome=("agreement" if mediation else "support_given") if completed else "",
            agreement_type="apology" if completed and mediation else "",
            prosecutor_informed_on=today - datetime.timedelta(days=5)
            if completed and mediation
            else None,
            closed_on=today - datetime.timedelta(days=5)
            if status in (S.COMPLETED, S.DECLINED)
            else None,
        )
        ReferralEvent.objects.create(
            referral=referral, actor=sender, organisation=sender.organisation, to_status=S.DRAFT
        )
        before = S.DRAFT
        for step in PATHS[status]:
            actor = sender if step in (S.SENT, S.WITHDRAWN) else handler
            ReferralEvent.objects.create(
                referral=referral,
                actor=actor,
                organisation=actor.organisation,
                from_status=before,
                to_status=step,
                reason=REASONS.get(step, ""),
            )
            before = step
        if status in (S.IN_PROGRESS, S.COMPLETED):
            kinds = ["pre_meeting", "mediation_meeting"] if mediation else ["support_contact"] * 2
            for i, activity in enumerate(kinds[: 1 if status == S.IN_PROGRESS else 2]):
                ReferralActivity.objects.create(
                    referral=referral,
                    kind=activity,
                    date=today - datetime.timedelta(days=max(days - 2 - i, 0)),
                    note="Samtal genomfört.",
                    recorded_by=handler,
                )
