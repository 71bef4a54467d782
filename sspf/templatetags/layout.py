"""Small template helpers for page layout."""

from django import template

register = template.Library()


@register.filter
def zipped(first, second):
    """Pairs of items of two lists, e.g. a table's column headings with one row's cells, so
    that every cell can carry its column's name (data-label) for the phone layout."""
    return zip(first, second, strict=False)
