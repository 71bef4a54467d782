"""View helpers every app shares: running a service from a form, and paginating a list."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator

from sspf.forms import apply_service_errors


def run_service(request, form, action, success):
    """Runs `action` (a service call); its ValidationError lands on the form and None is
    returned, otherwise the success message (a string, or a function of the result) is shown
    and the result (or True) returned."""
    try:
        result = action()
    except ValidationError as error:
        apply_service_errors(form, error)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return True if result is None else result


def paginate(request, items, per_page: int) -> tuple[Page, str]:
    """The requested page of `items`, and the query string of the other filters (without
    `page`) for the pagination links."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
