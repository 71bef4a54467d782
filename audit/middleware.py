"""Who did it, from where, in which request: the context every audit entry carries."""

import ipaddress
import uuid
from contextvars import ContextVar

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings

from audit import seal

_correlation_id: ContextVar[str | None] = ContextVar("sspf_correlation_id", default=None)


def current_correlation_id() -> str | None:
    """The id of the request being served (AUDITLOG_CID_GETTER points here)."""
    return _correlation_id.get()


def _valid_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address. X-Forwarded-For counts only when it was added by a proxy named
    in SSPF_TRUSTED_PROXIES; then the right-most address that is not such a proxy is the
    client (anything left of it could have been written by the client itself)."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    trusted = set(settings.SSPF_TRUSTED_PROXIES)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if remote not in trusted or not forwarded:
        return remote
    for hop in reversed(forwarded.split(",")):
        address = _valid_ip(hop)
        if address is None:
            return remote
        if address not in trusted:
            return address
    return remote


class AuditMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware with a server-made correlation id and a proxy-aware address.

    The correlation id is never taken from the request; it is sent back as X-Request-ID so that
    a user's report can be matched with the log. The entries a request writes are sealed into
    the chain once the response has gone (request_finished: audit/apps.py), so that no client
    waits for the chain's lock.
    """

    @staticmethod
    def _get_remote_addr(request):
        return client_ip(request)

    @staticmethod
    def _get_remote_port(request):
        return None

    def __call__(self, request):
        token = _correlation_id.set(uuid.uuid4().hex)
        try:
            with seal.deferred():  # sealed after the response has gone (audit/seal.py)
                response = super().__call__(request)
            response["X-Request-ID"] = _correlation_id.get()
            return response
        finally:
            _correlation_id.reset(token)
