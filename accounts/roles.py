"""The roles of SSPF: the ten of DESIGN §4 and the steering group's members (DESIGN §7).
Each is a Django group carrying model permissions.

The groups themselves are created by a data migration; this module names them for code and UI.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    name: str
    label: str
    description: str


ROLES = [
    Role(
        "coordinator",
        _("SSPF coordinator"),
        _("Opens cases, collects consent and runs SSPF meetings."),
    ),
    Role("field_worker", _("Field worker"), _("Records contacts with young people in the field.")),
    Role(
        "school_police",
        _("School contact police officer"),
        _("Visits the assigned schools each term."),
    ),
    Role("school_staff", _("School staff"), _("Takes part in the cases of the school's pupils.")),
    Role("social_worker", _("Social worker"), _("Works on the cases of social services.")),
    Role("leisure_staff", _("Leisure staff"), _("Takes part in cases as a youth worker.")),
    Role("mediator", _("Mediator"), _("Receives referrals for mediation.")),
    Role(
        "victim_support",
        _("Victim-support worker"),
        _("Receives referrals to the young-victims support centre."),
    ),
    Role("auditor", _("Auditor"), _("Reviews who has read and changed what.")),
    Role(
        "steering_group",
        _("Steering-group member"),
        _("Follows the agreement's targets and the gender-disaggregated statistics."),
    ),
    Role(
        "administrator",
        _("Administrator"),
        _("Manages organisations and user accounts; sees no case content."),
    ),
]
ROLES_BY_NAME = {role.name: role for role in ROLES}
ROLE_NAMES = [role.name for role in ROLES]
