"""Ledgers (台账): saved search filters with an owner (001 第十条: 台账 with a named owner)."""

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from junjia.core import audit, personal
from junjia.core.errors import DomainError
from junjia.core.models import AuditAction
from junjia.orgs.api import jurisdiction_of, require_capability
from junjia.registry import roles

from .models import Ledger
from .selectors import SearchParams

NAME_REQUIRED = "请填写台账名称。"
NAME_TOO_LONG = "台账名称不能超过 100 个字。"
NO_JURISDICTION = "您没有所属的服务中心（站），不能保存台账。"
DUPLICATE_NAME = "您已有同名台账“{name}”，请换一个名称。"


class LedgerError(DomainError):
    pass


def ledgers_of(actor) -> QuerySet[Ledger]:
    """A user's own ledgers (they are personal: the owner keeps them)."""
    return Ledger.objects.filter(owner=actor).order_by("name", "id")


def get_ledger_for_actor(actor, pk) -> Ledger:
    try:
        return ledgers_of(actor).get(pk=pk)
    except (Ledger.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("未找到该台账。") from exc


@transaction.atomic
def ledger_save(*, actor, name: str, params: SearchParams) -> Ledger:
    """Save the current filter under a name; the ledger is scoped to the owner's jurisdiction."""
    require_capability(actor, roles.VIEW)
    juris = jurisdiction_of(actor)
    if juris is None:
        raise LedgerError(NO_JURISDICTION)
    name = (name or "").strip()
    if not name:
        raise LedgerError(NAME_REQUIRED)
    if len(name) > 100:
        raise LedgerError(NAME_TOO_LONG)
    if Ledger.objects.filter(owner=actor, name=name).exists():
        raise LedgerError(DUPLICATE_NAME.format(name=name))
    ledger = Ledger.objects.create(
        owner=actor, name=name, params=params.as_query(), region_key=juris.low
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=ledger,
        changes={"name": [None, name], "params": [None, personal.mask_params(ledger.params)]},
    )
    return ledger


@transaction.atomic
def ledger_delete(*, actor, ledger: Ledger) -> None:
    if ledger.owner_id != actor.pk:
        raise LedgerError("只能删除自己的台账。")
    audit.record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=ledger,
        changes={
            "name": [ledger.name, None],
            "params": [personal.mask_params(ledger.params), None],
        },
    )
    ledger.delete()
