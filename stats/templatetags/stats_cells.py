"""`{{ value|cell }}`: a published value, or the mark of a suppressed one — the markup of
templates/stats/_value.html as a filter, because a table has dozens of cells and an include
per cell costs a template context each."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def cell(value):
    if value is None:
        word = _("suppressed")
        return format_html(
            '<abbr title="{}" class="suppressed">×</abbr><span class="visually-hidden"> {}</span>',
            word,
            word,
        )
    return value
