"""服务事项 for staff (公开承诺制, 000 §7): the catalogue by area, an item's current version and
its history, and publishing a new version (open cases keep the version they were opened
under)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from junjia.cases import roles
from junjia.core.errors import DomainError
from junjia.orgs.api import Level, has_capability, require_capability

from .. import services
from ..choices import Area
from ..forms import ItemForm, MaterialFormSet
from ..models import ServiceItem, ServiceItemVersion
from . import work_reads as reads


def _require_reader(actor) -> None:
    if not (has_capability(actor, roles.VIEW) or has_capability(actor, roles.CATALOGUE)):
        raise PermissionDenied("您没有查看服务事项的权限。")


def _my_level(actor) -> int | None:
    return actor.station.region.level if actor.station_id else None


@login_required
def catalogue(request):
    actor = request.user
    _require_reader(actor)
    level_raw = request.GET.get("level", "")
    level = int(level_raw) if level_raw.isdigit() and int(level_raw) in Level.values else None
    items = ServiceItem.objects.select_related("current_version").order_by("area", "code")
    if request.GET.get("inactive") != "1":
        items = items.filter(is_active=True)
    mine = _my_level(actor)
    areas = dict(Area.choices)
    groups: dict[str, list] = {}
    for item in items:
        if level is not None and level not in (item.handling_levels or []):
            continue
        item.level_labels = reads.level_labels(item.handling_levels)
        item.at_my_level = mine in (item.handling_levels or [])
        groups.setdefault(areas.get(item.area, item.area), []).append(item)
    return render(
        request,
        "cases/catalogue_list.html",
        {
            "groups": groups,
            "count": sum(len(v) for v in groups.values()),
            "levels": [(lv.value, lv.label) for lv in Level if lv >= Level.COUNTY],
            "level": level,
            "can_publish": has_capability(actor, roles.CATALOGUE),
        },
    )


def _version_page(request, item, version, *, current: bool):
    actor = request.user
    mine = _my_level(actor)
    return render(
        request,
        "cases/catalogue_detail.html",
        {
            "item": item,
            "version": version,
            "is_current": current,
            "area": Area(item.area).label if item.area in Area.values else item.area,
            "levels": reads.level_labels(item.handling_levels),
            "materials": reads.catalogue_materials(version) if version else [],
            "can_open": has_capability(actor, roles.HANDLE)
            and mine in (item.handling_levels or [])
            and item.is_active
            and current,
            "can_publish": has_capability(actor, roles.CATALOGUE),
            "version_count": item.versions.count(),
        },
    )


@login_required
def item_detail(request, code):
    _require_reader(request.user)
    item = get_object_or_404(ServiceItem.objects.select_related("current_version"), code=code)
    return _version_page(request, item, item.current_version, current=True)


@login_required
def item_version(request, code, number):
    _require_reader(request.user)
    item = get_object_or_404(ServiceItem, code=code)
    version = get_object_or_404(ServiceItemVersion, item=item, number=number)
    return _version_page(request, item, version, current=version.pk == item.current_version_id)


@login_required
def item_versions(request, code):
    _require_reader(request.user)
    item = get_object_or_404(ServiceItem, code=code)
    versions = list(item.versions.select_related("published_by").order_by("-number"))
    return render(
        request,
        "cases/catalogue_versions.html",
        {
            "item": item,
            "versions": versions,
            "can_publish": has_capability(request.user, roles.CATALOGUE),
        },
    )


def _initial(item) -> tuple[dict, list[dict]]:
    version = item.current_version
    data = {
        "code": item.code,
        "name": item.name,
        "area": item.area,
        "handling_levels": item.handling_levels,
    }
    if version is None:
        return data, []
    data.update(
        legal_basis=version.legal_basis,
        conditions=version.conditions,
        procedure="\n".join(version.procedure),
        time_limit_days=version.time_limit_days,
        fee=version.fee,
        complaint=version.complaint,
    )
    rows = [
        {
            "name": m.get("name", ""),
            "form": m.get("form", "both"),
            "count": m.get("count", 1),
            "categories": m.get("categories") or [],
            "note": m.get("note", ""),
        }
        for m in version.materials
    ]
    return data, rows


def _publish_page(request, item):
    actor = request.user
    require_capability(actor, roles.CATALOGUE)
    if request.method == "POST":
        form = ItemForm(request.POST, existing=item, initial=_initial(item)[0] if item else None)
        formset = MaterialFormSet(request.POST, prefix="mat")
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                version = services.item_publish(
                    actor=actor,
                    item=item,
                    code=item.code if item else data["code"],
                    name=data["name"].strip(),
                    area=data["area"],
                    handling_levels=sorted(data["handling_levels"]),
                    content=form.content(formset.materials()),
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"已发布“{version.item.name}”第 {version.number} 版；"
                    "此前已接件的办件仍按原版本办理。",
                )
                return redirect("cases:catalogue_detail", code=version.item.code)
    else:
        if item is not None:
            initial, rows = _initial(item)
        else:
            initial, rows = {"complaint": "", "fee": "不收费"}, []
        form = ItemForm(initial=initial, existing=item)
        formset = MaterialFormSet(initial=rows, prefix="mat")
    return render(
        request,
        "cases/catalogue_publish.html",
        {"item": item, "form": form, "formset": formset},
    )


@login_required
def item_publish(request, code):
    item = get_object_or_404(ServiceItem.objects.select_related("current_version"), code=code)
    return _publish_page(request, item)


@login_required
def item_new(request):
    return _publish_page(request, None)
