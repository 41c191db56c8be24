"""接件: choose the item, find the person in the registry (or take a walk-in's details), the
channel, and check every material of the item; then the case page (000 §7)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from junjia.cases import roles
from junjia.core.errors import DomainError
from junjia.orgs.api import require_capability

from .. import selectors, services
from ..forms import CaseOpenForm, MaterialsCheckForm
from . import work_reads as reads

TEMPLATE = "cases/case_open.html"


def _items(actor):
    if not actor.station_id:
        raise PermissionDenied("您不属于任何服务中心（站），不能接件。")
    return selectors.catalogue(actor.station.region.level)


def _recipients(actor, q: str) -> list:
    from junjia.registry.api import search_recipients

    rows = search_recipients(actor, q, limit=20)
    prefetch_related_objects(rows, "categories")
    reads.record_search(actor, what="recipient", q=q, found=len(rows))
    return rows


def _chosen(actor, raw: str):
    if not raw:
        return None
    from junjia.registry.api import get_recipient_for_actor

    try:
        return get_recipient_for_actor(actor, raw)
    except Http404:
        return None


def _form(*args, **kwargs) -> CaseOpenForm:
    form = CaseOpenForm(*args, **kwargs)
    # Choosing the item loads its materials table (htmx); without JS a button does it.
    form.fields["item"].widget.attrs.update(
        {
            "hx-get": reverse("cases:case_open"),
            "hx-target": "#materials",
            "hx-swap": "outerHTML",
        }
    )
    return form


def _item_context(item) -> dict:
    if item is None:
        return {"item": None}
    version = item.current_version
    return {
        "item": item,
        "version": version,
        "levels": reads.level_labels(item.handling_levels),
    }


def _materials_form(item, data=None, current=None):
    materials = item.current_version.materials if item is not None else []
    return MaterialsCheckForm(data, materials=materials, current=current, prefix="m")


def _posted_materials(item, data) -> list[dict]:
    """The states already chosen, to show them again after a search (without errors)."""
    if item is None:
        return []
    rows = []
    for i, material in enumerate(item.current_version.materials):
        rows.append(
            {
                "name": material["name"],
                "state": data.get(f"m-state_{i}", ""),
                "note": data.get(f"m-note_{i}", ""),
            }
        )
    return rows


@login_required
def case_open(request):
    actor = request.user
    require_capability(actor, roles.HANDLE)
    items = _items(actor)
    by_code = {i.code: i for i in items}
    if request.method == "GET" and request.htmx and "item" in request.GET:
        # The item changed: its materials table (htmx partial).
        item = by_code.get(request.GET.get("item", ""))
        return render(
            request,
            f"{TEMPLATE}#materials",
            {**_item_context(item), "materials_form": _materials_form(item)},
        )

    results, searched, q = None, False, ""
    if request.method == "POST":
        do = request.POST.get("do", "open")
        item = by_code.get(request.POST.get("item", ""))
        if do == "open":
            form = _form(request.POST, items=items, actor=actor)
            materials_form = _materials_form(item, request.POST)
            if form.is_valid() and materials_form.is_valid():
                try:
                    case = services.case_open(
                        actor=actor, received=materials_form.received(), **form.service_kwargs()
                    )
                except DomainError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, _opened_message(case))
                    return redirect("cases:case_detail", pk=case.pk)
        else:
            # Without JavaScript: "查找" and "载入材料清单" post the form back; show it again
            # with what was typed, and no errors.
            form = _form(initial=request.POST.dict(), items=items, actor=actor)
            current = _posted_materials(item, request.POST) if do == "search" else None
            materials_form = _materials_form(item, current=current)
            if do == "search":
                q = request.POST.get("q", "").strip()
                searched = bool(q)
                results = _recipients(actor, q) if q else []
        chosen = _chosen(actor, request.POST.get("recipient", ""))
    else:
        item = by_code.get(request.GET.get("item", ""))
        form = _form(initial={"item": item.code if item else ""}, items=items, actor=actor)
        materials_form = _materials_form(item)
        chosen = None
    return render(
        request,
        TEMPLATE,
        {
            "form": form,
            "materials_form": materials_form,
            **_item_context(item),
            "results": results,
            "searched": searched,
            "q": q,
            "chosen": chosen,
            "station": actor.station,
        },
    )


def _opened_message(case) -> str:
    summary = reads.materials_summary(case)
    if case.status == "consulted":
        return f"已登记咨询，编号 {case.number}。"
    if summary["complete"]:
        return f"已接件，办件编号 {case.number}。材料齐全，可以受理。"
    return (
        f"已接件，办件编号 {case.number}。材料不全：请点“材料不全”，再出具一次性告知单交给申请人。"
    )


@login_required
def recipient_search(request):
    """htmx: people in the registry within the jurisdiction matching the search box."""
    actor = request.user
    require_capability(actor, roles.HANDLE)
    q = request.GET.get("q", "").strip()
    results = _recipients(actor, q) if q else []
    return render(
        request,
        f"{TEMPLATE}#recipients",
        {"results": results, "searched": bool(q), "q": q, "chosen": None},
    )
