"""Chinese names for model labels and field names, for pages that show audit records."""

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist


def model_label(object_type: str) -> str:
    """ "orgs.station" → "服务中心（站）"; unknown types are shown as they are."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def field_label(object_type: str, name: str) -> str:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def audited_types() -> list[tuple[str, str]]:
    """(label, Chinese name) of every model of the project's own apps, for a filter select."""
    return sorted(
        (
            (model._meta.label_lower, str(model._meta.verbose_name))
            for model in apps.get_models()
            if model.__module__.startswith("junjia.")
        ),
        key=lambda item: item[1],
    )
