"""Every change to users, roles, organisations and devices is in the sealed log (DESIGN §6).

Passwords and device keys never are: the password hash is excluded and its changes are logged
as events without a value (accounts/services.py); a device's key is masked, and the counters
django-otp updates at each login are excluded (they would add an entry per login and say
nothing).
"""

from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organisation, TwoFactorResetRequest, User
from audit.registry import register

register(Organisation)
register(User, exclude_fields=["password", "last_login"], m2m_fields={"groups"})
register(TwoFactorResetRequest)
register(
    TOTPDevice,
    mask_fields=["key"],
    exclude_fields=[
        "drift",
        "last_t",
        "throttling_failure_timestamp",
        "throttling_failure_count",
        "last_used_at",
    ],
)
