"""Region tree, region detail, adding and renaming townships and villages, Excel import."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from junjia.core import xlsx
from junjia.core.errors import DomainError
from junjia.core.pages import paginate, render_page

from .. import imports, selectors, services
from ..choices import Level
from ..codes import CodeError
from ..forms import RegionCreateForm, RegionImportConfirmForm, RegionImportForm, RegionRenameForm
from ..models import Station
from ..permissions import can_reach, has_capability, require_capability
from ..roles import REGION_MANAGE, REGION_VIEW, STATION_EDIT

_UPLOAD_SALT = "orgs.region-import"


@login_required
def region_tree(request):
    require_capability(request.user, REGION_VIEW)
    root = selectors.root_region(request.user)
    q = request.GET.get("q", "").strip()
    results = selectors.search_regions(request.user, q) if q else None
    children = selectors.region_children(request.user, root) if root else []
    return render_page(
        request,
        "orgs/region_tree.html",
        {
            "root": root,
            "children": children,
            "q": q,
            "results": results,
            "can_import": has_capability(request.user, REGION_MANAGE),
        },
        partial="results" if q or request.GET.get("q") is not None else None,
    )


@login_required
def region_children(request, code):
    """htmx partial: the children of one node, loaded when the node is opened."""
    region = selectors.get_region_for_actor(request.user, code)
    children = selectors.region_children(request.user, region)
    return render(request, "orgs/region_tree.html#branch", {"children": children})


def _visible_ancestors(actor, region):
    return [a for a in selectors.region_ancestors(region) if can_reach(actor, REGION_VIEW, a.key)]


@login_required
def region_detail(request, code):
    region = selectors.get_region_for_actor(request.user, code)
    children = paginate(request, selectors.region_children(request.user, region), per_page=50)
    can_manage = can_reach(request.user, REGION_MANAGE, region.key)
    station = Station.objects.filter(region=region).first()
    return render(
        request,
        "orgs/region_detail.html",
        {
            "region": region,
            "ancestors": _visible_ancestors(request.user, region),
            "counts": [
                (Level(level).label, n)
                for level, n in sorted(selectors.subtree_counts(region).items())
            ],
            "children": children,
            "station": station,
            "can_manage": can_manage,
            "can_add_child": can_manage
            and region.level < Level.VILLAGE
            and region.level >= Level.CITY,
            "can_rename": can_manage and region.level >= Level.TOWNSHIP,
            "can_create_station": station is None
            and can_reach(request.user, STATION_EDIT, region.key),
            "create_form": RegionCreateForm(),
            "rename_form": RegionRenameForm(initial={"name": region.name}),
        },
    )


@login_required
@require_POST
def region_create(request, code):
    parent = selectors.get_region_for_actor(request.user, code)
    form = RegionCreateForm(request.POST)
    if form.is_valid():
        try:
            region = services.region_create(
                actor=request.user,
                parent=parent,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
            )
        except (DomainError, CodeError) as exc:
            form.add_error("code", str(exc))
        else:
            messages.success(request, f"已新增区划：{region.full_name}")
            return redirect("orgs:region_detail", code=region.code)
    return render(request, "orgs/region_create.html", {"parent": parent, "form": form}, status=400)


@login_required
@require_POST
def region_rename(request, code):
    region = selectors.get_region_for_actor(request.user, code)
    form = RegionRenameForm(request.POST)
    if form.is_valid():
        try:
            services.region_rename(
                actor=request.user, region=region, name=form.cleaned_data["name"]
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "名称已修改。")
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("orgs:region_detail", code=region.code)


@login_required
@require_POST
def station_create(request, code):
    region = selectors.get_region_for_actor(request.user, code)
    try:
        station = services.station_create(actor=request.user, region=region)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("orgs:region_detail", code=region.code)
    messages.success(request, f"已设立：{station.name}。请完善站点信息。")
    return redirect("orgs:station_edit", pk=station.pk)


@login_required
def import_template(request):
    require_capability(request.user, REGION_MANAGE)
    response = HttpResponse(
        imports.template_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''region-import-template.xlsx"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def region_import(request):
    """Step 1: upload and validate; show a preview with every row error."""
    require_capability(request.user, REGION_MANAGE)
    form = RegionImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            plan = imports.plan_import(request.user, data)
        except xlsx.XlsxError as exc:
            form.add_error("file", str(exc))
        else:
            path = default_storage.save(f"uploads/{uuid.uuid4().hex}.xlsx", ContentFile(data))
            token = signing.dumps(
                {"path": path, "user": request.user.pk, "name": upload.name}, salt=_UPLOAD_SALT
            )
            context.update(
                plan=plan,
                confirm=RegionImportConfirmForm(initial={"token": token}),
                filename=upload.name,
            )
    return render(request, "orgs/region_import.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def region_import_confirm(request):
    """Step 2: commit as a background job and show its progress."""
    require_capability(request.user, REGION_MANAGE)
    form = RegionImportConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择有错误行时的处理方式。")
        return redirect("orgs:region_import")
    try:
        payload = signing.loads(form.cleaned_data["token"], salt=_UPLOAD_SALT, max_age=3600)
    except signing.BadSignature:
        messages.error(request, "上传已过期，请重新上传文件。")
        return redirect("orgs:region_import")
    if payload["user"] != request.user.pk or not default_storage.exists(payload["path"]):
        raise Http404
    with default_storage.open(payload["path"], "rb") as handle:
        data = handle.read()
    job = imports.start_import(
        actor=request.user,
        data=data,
        filename=payload["name"],
        valid_only=form.cleaned_data["mode"] == "valid_only",
    )
    default_storage.delete(payload["path"])
    return redirect("orgs:job_detail", pk=job.pk)
