"""Demo organisations and one user per role, in the fictional municipality of Norrby."""

from django.contrib.auth.models import Group

from accounts.models import Organisation, User

DEMO_PASSWORD = "Norrby-demo-2026"

K = Organisation.Kind
ORGANISATIONS = [
    # name, kind, receives mediation referrals, receives victim-support referrals
    ("Ekbackeskolan", K.SCHOOL, False, False),
    ("Lindängsskolan", K.SCHOOL, False, False),
    ("Norrby gymnasium", K.SCHOOL, False, False),
    ("Björkskolan", K.SCHOOL, False, False),
    ("Hagaskolan", K.SCHOOL, False, False),
    ("Stensjöskolan", K.SCHOOL, False, False),
    ("Norrby tekniska gymnasium", K.SCHOOL, False, False),
    ("Socialtjänsten Norrby", K.SOCIAL_SERVICES, False, False),
    ("Polisen, lokalpolisområde Norrby", K.POLICE, False, False),
    ("Fritidsförvaltningen Norrby", K.LEISURE, False, False),
    ("Medlingsverksamheten Norrby", K.SOCIAL_SERVICES, True, False),
    ("Stödcentrum för unga brottsoffer Norrby", K.SOCIAL_SERVICES, False, True),
]

# username, first name, last name, role, organisation
USERS = [
    ("samordnare", "Sara", "Samordnare", "coordinator", "Socialtjänsten Norrby"),
    ("faltare", "Fredrik", "Fältare", "field_worker", "Socialtjänsten Norrby"),
    ("kontaktpolis", "Karin", "Polis", "school_police", "Polisen, lokalpolisområde Norrby"),
    ("skolpersonal", "Sven", "Kurator", "school_staff", "Ekbackeskolan"),
    ("socialsekreterare", "Sofia", "Sekreterare", "social_worker", "Socialtjänsten Norrby"),
    ("fritidsledare", "Filip", "Fritid", "leisure_staff", "Fritidsförvaltningen Norrby"),
    ("medlare", "Maja", "Medlare", "mediator", "Medlingsverksamheten Norrby"),
    ("stodcentrum", "Stina", "Stöd", "victim_support", "Stödcentrum för unga brottsoffer Norrby"),
    ("granskare", "Gustav", "Granskare", "auditor", "Socialtjänsten Norrby"),
    ("styrgrupp", "Stella", "Styrgrupp", "steering_group", "Socialtjänsten Norrby"),
    ("admin", "Anna", "Admin", "administrator", "Socialtjänsten Norrby"),
    # More colleagues, so that schools have two contact police officers and two field workers.
    ("kontaktpolis2", "Per", "Polis", "school_police", "Polisen, lokalpolisområde Norrby"),
    ("kontaktpolis3", "Lina", "Polis", "school_police", "Polisen, lokalpolisområde Norrby"),
    ("faltare2", "Fatima", "Fältare", "field_worker", "Socialtjänsten Norrby"),
]


def load() -> dict[str, User]:
    organisations = {}
    for name, kind, mediation, victim_support in ORGANISATIONS:
        organisations[name], _ = Organisation.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "receives_mediation_referrals": mediation,
                "receives_victim_support_referrals": victim_support,
            },
        )
    groups = {group.name: group for group in Group.objects.all()}
    users = {}
    for username, first_name, last_name, role, organisation in USERS:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@norrby.example",
                "organisation": organisations[organisation],
                "is_staff": role == "administrator",
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        user.groups.set([groups[role]])
        users[username] = user
    return users
