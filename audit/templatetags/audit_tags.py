from django import template

from audit.selectors import action_label as _action_label
from audit.selectors import object_kind as _object_kind

register = template.Library()


@register.filter
def action_label(entry) -> str:
    return _action_label(entry)


@register.filter
def object_kind(entry) -> str:
    return _object_kind(entry)
