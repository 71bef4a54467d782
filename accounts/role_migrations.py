"""For the apps' data migrations that give roles their model permissions.

Kept small and stable: migrations import it, so its behaviour must not change over time.
"""

from django.contrib.auth.management import create_permissions


def role_permissions(app_label: str, permissions: dict[str, list[str]]):
    """The (grant, revoke) pair of RunPython functions for `{role: [codename, ...]}`."""

    def _permissions(apps, codenames):
        Permission = apps.get_model("auth", "Permission")
        return Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)

    def grant(apps, schema_editor):
        # Permissions are normally created after migrate; the grants need them now.
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
        Group = apps.get_model("auth", "Group")
        for role, codenames in permissions.items():
            Group.objects.get(name=role).permissions.add(*_permissions(apps, codenames))

    def revoke(apps, schema_editor):
        Group = apps.get_model("auth", "Group")
        for role, codenames in permissions.items():
            Group.objects.get(name=role).permissions.remove(*_permissions(apps, codenames))

    return grant, revoke
