from django.core.exceptions import PermissionDenied


def require(user, permission: str, obj=None) -> None:
    """Services call this first: no right, no write."""
    if not user.has_perm(permission, obj):
        raise PermissionDenied(permission)
