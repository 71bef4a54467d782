"""The error page for a database that went away mid-request.

A connection cut (the server restarting, a failover, a backend terminated) surfaces as an
OperationalError or InterfaceError anywhere: in a view, in a service between two writes, in
the session or authentication middleware. Django turns every such exception into a call of
`handler500` while the exception is still being handled, so this one handler sees them all
and answers 503 ("try again shortly") instead of 500. The transaction that was open is never
committed by the server, so nothing is left half-written; the next request opens a new
connection (CONN_HEALTH_CHECKS).

The page is rendered without the request's context: the context processors would ask the
database again.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

RETRY_AFTER_SECONDS = 30


def database_lost(error: BaseException | None) -> bool:
    return isinstance(error, OperationalError | InterfaceError)


def server_error(request):
    if database_lost(sys.exc_info()[1]):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request)
