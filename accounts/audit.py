from accounts.models import Organisation, User
from audit.registry import register

register(Organisation)
register(User, exclude_fields=["password", "last_login"], m2m_fields={"groups"})
