"""No template holds inline script, inline style, event-handler attributes or javascript:
addresses: the content policy (script-src and style-src 'self', no 'unsafe-inline') would
block them, so behaviour lives in static files. The rendered pages are checked as every role
in test_headers.py; this scans the sources, including templates no test renders."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.hardening.pages import dangling_references, inline_code

PATTERNS = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "<style>": re.compile(r"<style\b", re.I),
    "event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "javascript: address": re.compile(r"javascript:", re.I),
}


def our_templates() -> list[Path]:
    roots = [Path(settings.BASE_DIR) / "templates"]
    roots += [
        path
        for path in Path(settings.BASE_DIR).glob("*/templates")
        if path.parent.name not in {".venv", "node_modules", "tests"}
    ]
    return sorted(p for root in roots for p in root.rglob("*") if p.is_file())


def inline_in_source(text: str) -> list[str]:
    return [what for what, pattern in PATTERNS.items() if pattern.search(text)]


def test_no_template_holds_inline_code():
    templates = our_templates()
    assert len(templates) > 50
    found = {
        str(path.relative_to(settings.BASE_DIR)): problems
        for path in templates
        if (problems := inline_in_source(path.read_text(encoding="utf-8")))
    }
    assert found == {}


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<button onclick="go()">x</button>',
        '<div style="color: red">x</div>',
        "<style>p { color: red }</style>",
        '<a href="javascript:go()">x</a>',
        '<svg><rect onload="go()"/></svg>',
    ],
)
def test_the_scans_find_each_kind_of_inline_code(snippet):
    assert inline_in_source(snippet)
    assert inline_code(snippet)


def test_a_script_file_is_not_inline_code():
    snippet = '<script src="/static/sspf/contact-form.js" defer></script>'
    assert inline_in_source(snippet) == []
    assert inline_code(snippet) == []


def test_a_reference_to_a_missing_id_is_found():
    html = '<p id="help">x</p><input aria-describedby="help gone"><div aria-labelledby="nope">'
    assert dangling_references(html) == [
        "<input aria-describedby> -> #gone",
        "<div aria-labelledby> -> #nope",
    ]
