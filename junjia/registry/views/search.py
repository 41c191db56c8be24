"""档案查询 (search and list) and 台账 (saved filters)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from junjia.core import clock
from junjia.core.personal import age_on
from junjia.orgs.api import has_capability, jurisdiction_of, regions_within, require_capability
from junjia.registry import roles

from .. import ledgers, selectors
from ..choices import FLAG_FIELDS, Category, FileStatus, Hardship
from ..forms import LedgerForm
from ..selectors import SearchParams
from . import reads

MORE_FILTERS = (
    "category",
    "flag",
    "region",
    "age_min",
    "age_max",
    "status",
    "deceased",
    "hardship",
)
SORT_LABELS = {"name": "姓名", "birth": "出生日期", "-updated": "最近更新"}


def describe(query: dict, actor, names: dict[str, str] | None = None) -> str:
    """The filter in words, for the result heading and the ledger list. A region is named
    only inside the actor's jurisdiction: a code from elsewhere (or no region at all) is
    said back as typed, never named (issue 12 §3). `names` ({code: name} within the
    jurisdiction, read once by `_names_within`) spares a list one query per row."""
    parts = []
    if query.get("q"):
        parts.append(f"关键词“{query['q']}”")
    if query.get("category"):
        parts.append(dict(Category.choices).get(query["category"], query["category"]))
    if query.get("flag"):
        parts.append(FLAG_FIELDS.get(query["flag"], query["flag"]))
    if query.get("region"):
        code = query["region"]
        if names is None:
            names = _names_within([code], actor)
        name = names.get(code)
        parts.append(f"区划：{name}" if name else f"区划代码 {code}（辖区内无此区划）")
    low, high = query.get("age_min"), query.get("age_max")
    if low and high:
        parts.append(f"{low}–{high} 岁")
    elif low:
        parts.append(f"{low} 岁及以上")
    elif high:
        parts.append(f"{high} 岁及以下")
    if query.get("status"):
        parts.append(dict(FileStatus.choices).get(query["status"], query["status"]))
    if query.get("deceased") == "1":
        parts.append("已去世")
    elif query.get("deceased") == "0":
        parts.append("在世")
    if query.get("hardship"):
        parts.append(dict(Hardship.choices).get(query["hardship"], query["hardship"]))
    if query.get("sort") and query["sort"] != "name":
        parts.append(f"按{SORT_LABELS.get(query['sort'], '')}排序")
    return "，".join(parts) or "全部服务对象"


def _names_within(codes, actor) -> dict[str, str]:
    """{code: name} of those regions among `codes` inside the actor's jurisdiction."""
    juris = jurisdiction_of(actor)
    codes = [code for code in codes if code]
    if juris is None or not codes:
        return {}
    return {r.code: r.name for r in regions_within(codes, juris.low, juris.high)}


def _with_age(rows) -> None:
    today = clock.today()
    for row in rows:
        row.age = age_on(row.birth_date, row.death_date or today)


def _category_chips(actor) -> list[dict]:
    values = {label: value for value, label in Category.choices}
    return [
        {"label": label, "value": values[label], "count": count}
        for label, count in selectors.category_counts(actor)
        if count
    ]


@login_required
def recipient_list(request):
    """One search box and filters; keyset pages ('下一页'), never page numbers."""
    actor = request.user
    require_capability(actor, roles.VIEW)
    params = SearchParams.from_query(request.GET)
    for message in dict.fromkeys(params.problems.values()):
        messages.warning(request, f"部分筛选条件无效，已忽略：{message}")
    page = selectors.search(actor, params)
    prefetch_related_objects(page.rows, "categories")
    _with_age(page.rows)
    query = params.as_query()
    reads.record_list_view(actor, query)
    ledger = None
    if request.GET.get("ledger", "").isdigit():
        ledger = ledgers.ledgers_of(actor).filter(pk=request.GET["ledger"]).first()
    context = {
        "page": page,
        "params": params,
        "query": urlencode(query),
        "next_query": urlencode({**query, "after": page.next_cursor}) if page.next_cursor else "",
        "description": describe(query, actor),
        "ledger": ledger,
        "can_export": has_capability(actor, roles.EXPORT),
    }
    # A history restore (the Back button after hx-push-url) needs the whole page.
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    if not partial:
        regions = reads.household_regions(actor)
        context.update(
            {
                "counts": _category_chips(actor),
                "categories": Category.choices,
                "flags": list(FLAG_FIELDS.items()),
                "statuses": FileStatus.choices,
                "hardships": [c for c in Hardship.choices if c[0]],
                "sorts": list(SORT_LABELS.items()),
                "regions": [(r.code, reads.region_label(r)) for r in regions or []],
                "region_select": regions is not None and len(regions) > 1,
                "region_input": regions is None,
                "more_open": any(k in query for k in MORE_FILTERS),
                "can_create": has_capability(actor, roles.EDIT),
            }
        )
    template = "registry/recipient_list.html" + ("#results" if partial else "")
    return render(request, template, context)


@login_required
def ledger_list(request):
    require_capability(request.user, roles.VIEW)
    saved = list(ledgers.ledgers_of(request.user))
    names = _names_within({ledger.params.get("region") for ledger in saved}, request.user)
    rows = [
        {
            "ledger": ledger,
            "description": describe(ledger.params, request.user, names),
            "url": reverse("registry:ledger_open", args=[ledger.pk]),
        }
        for ledger in saved
    ]
    return render(
        request,
        "registry/ledger_list.html",
        {"rows": rows, "can_export": has_capability(request.user, roles.EXPORT)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def ledger_save(request):
    """GET: name the current filter (from the list page's query); POST: save it."""
    actor = request.user
    require_capability(actor, roles.VIEW)
    source = request.POST if request.method == "POST" else request.GET
    params = SearchParams.from_query(source)
    form = LedgerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ledger = ledgers.ledger_save(actor=actor, name=form.cleaned_data["name"], params=params)
        except ledgers.LedgerError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, f"已保存为台账“{ledger.name}”。")
            return redirect("registry:ledger_list")
    query = params.as_query()
    return render(
        request,
        "registry/ledger_save.html",
        {
            "form": form,
            "hidden": sorted(query.items()),
            "description": describe(query, actor),
            "query": urlencode(query),
        },
    )


@login_required
def ledger_open(request, pk):
    ledger = ledgers.get_ledger_for_actor(request.user, pk)
    require_capability(request.user, roles.VIEW)
    query = urlencode({**ledger.params, "ledger": ledger.pk})
    return redirect(f"{reverse('registry:recipient_list')}?{query}")


@login_required
@require_POST
def ledger_delete(request, pk):
    ledger = ledgers.get_ledger_for_actor(request.user, pk)
    ledgers.ledger_delete(actor=request.user, ledger=ledger)
    messages.success(request, f"已删除台账“{ledger.name}”。")
    return redirect("registry:ledger_list")
