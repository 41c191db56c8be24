"""Chinese names for model labels and field names, for pages that show audit records."""

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

# Audit rows are append-only: a model that moved to another app keeps its old label on the
# rows written before the move. {old label: current label}, registered by the app that took
# the model over.
_FORMER: dict[str, str] = {}


def register_former_label(old: str, current: str) -> None:
    _FORMER[old] = current


def current_label(object_type: str) -> str:
    return _FORMER.get(object_type, object_type)


def labels_of(object_type: str) -> list[str]:
    """The label and every former label of the same model, for filtering audit rows."""
    current = current_label(object_type)
    return [current, *sorted(old for old, new in _FORMER.items() if new == current)]


def model_label(object_type: str) -> str:
    """ "orgs.station" → "服务中心（站）"; unknown types are shown as they are."""
    try:
        return str(apps.get_model(current_label(object_type))._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def field_label(object_type: str, name: str) -> str:
    try:
        model = apps.get_model(current_label(object_type))
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
