"""Posting a form that creates something as a browser does: the one-time token comes from the
form the page showed (sspf/once.py)."""

import re
import uuid

TOKEN = re.compile(r'name="form_token" value="([0-9a-f-]{36})"')


def token_on(page: str) -> str | None:
    found = TOKEN.search(page)
    return found.group(1) if found else None


def form_token(client, url: str) -> str:
    """The token in the form on the page at `url` (a GET, as the user opens the form). A user
    who may not open the form gets a made-up token, as a crafted request would carry."""
    response = client.get(url)
    token = token_on(response.content.decode()) if response.status_code == 200 else None
    return token or str(uuid.uuid4())


def post_form(client, url: str, data: dict | None = None, *, form_url: str | None = None, **kw):
    """POSTs `data` to `url` with the token of the form shown at `form_url` (default `url`)."""
    token = form_token(client, form_url or url)
    return client.post(url, {**(data or {}), "form_token": token}, **kw)
