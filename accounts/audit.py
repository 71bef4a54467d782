from auditlog.registry import auditlog

from accounts.models import Organisation, User

auditlog.register(Organisation)
auditlog.register(
    User,
    exclude_fields=["password", "last_login"],
    m2m_fields={"groups"},
)
