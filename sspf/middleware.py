import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.utils.cache import patch_vary_headers


class SecurityHeadersMiddleware:
    """Headers that neither Django's SecurityMiddleware nor django-csp sets: the browser
    features no page uses are refused (SSPF_PERMISSIONS_POLICY), and no page is stored by the
    browser or a proxy (they show personal data; the back button must not bring it back
    after logout)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.SSPF_PERMISSIONS_POLICY)
        response.headers.setdefault("Cache-Control", "no-store")
        return response


class SwedishByDefaultLocaleMiddleware:
    """Swedish unless the user chose otherwise: the browser's Accept-Language is ignored.

    Django's LocaleMiddleware follows the browser, so a Swedish social worker with an English
    browser would get English pages. Here only the language cookie set by the language switch
    (django.views.i18n.set_language) counts; without it the site speaks LANGUAGE_CODE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = translation.get_supported_language_variant(chosen or "")
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary_headers(response, ["Cookie"])
        return response


class SessionIdleMiddleware:
    """The idle timeout without a session write on every request.

    A session expires SESSION_COOKIE_AGE after it was last saved. Saving it on every request
    (SESSION_SAVE_EVERY_REQUEST) costs a database write per page; here an active session is
    saved again at most once every SSPF_SESSION_REFRESH_SECONDS, so it expires between
    SESSION_COOKIE_AGE minus that interval and SESSION_COOKIE_AGE after the last request.
    Placed right after SessionMiddleware, so that the save happens in its response phase.
    """

    KEY = "_sspf_refreshed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or not session.session_key:
            return response
        now = int(time.time())
        if now - session.get(self.KEY, 0) >= settings.SSPF_SESSION_REFRESH_SECONDS:
            session[self.KEY] = now  # marks the session modified: SessionMiddleware saves it
        return response


@receiver(user_logged_in)
def _session_started(sender, request, **kwargs):
    """A login saves the session anyway: its idle clock starts there."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SessionIdleMiddleware.KEY] = int(time.time())
