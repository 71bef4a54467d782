from django.core.exceptions import ValidationError


def apply_service_errors(form, error: ValidationError) -> None:
    """Puts a service's ValidationError on the form: on the field it names when the form shows
    that field, otherwise at the top of the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        field = form.fields.get(name)
        shown = field is not None and not field.widget.is_hidden
        form.add_error(name if shown else None, errors)
