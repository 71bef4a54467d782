import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sspf.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402  (settings are ready once the app is built)

if settings.SSPF_CHECK_DATABASE_ROLE:
    from audit.roles import require_app_role

    require_app_role()  # on PostgreSQL: never serve as a role that could empty the audit log

from sspf.keycheck import require_working_keys  # noqa: E402

require_working_keys()  # never serve with keys that cannot open the data
