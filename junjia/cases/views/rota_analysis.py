"""满意度分析 (000 §9: results analysed regularly; 003 #57: satisfaction ≥ 90%): rates by
station, item, clerk and month with ECharts, and the evaluated cases behind each bar."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from junjia.cases import roles
from junjia.core.pages import paginate, query_without_page
from junjia.orgs.api import Level, jurisdiction_of, require_capability

from .. import selectors
from ..choices import SATISFIED_LEVELS
from ..forms_rota import AnalysisForm
from . import rota_reads as reads

TARGET_RATE = 90  # 003 #57: 群众满意度达 90% 以上
BY_LABELS = dict(AnalysisForm.BY)


def _filters(request, actor) -> tuple[str, str, object]:
    form = AnalysisForm(request.GET)
    form.is_valid()
    juris = jurisdiction_of(actor)
    # Above village level the stations are compared side by side; a village compares items.
    default_by = "station" if juris and juris.level < Level.VILLAGE else "item"
    by = form.cleaned_data.get("by") or default_by
    period = form.cleaned_data.get("period") or "365"
    return by, period, form.since(reads.today())


@login_required
def analysis(request):
    actor = request.user
    require_capability(actor, roles.ANALYSIS)
    by, period, since = _filters(request, actor)
    rows = selectors.satisfaction(actor, by=by, since=since)
    total = sum(r["total"] for r in rows)
    satisfied = sum(r["satisfied"] for r in rows)
    drill = f"{reverse('cases:analysis_cases')}?{urlencode({'by': by, 'period': period})}"
    for row in rows:
        row["below"] = row["rate"] is not None and row["rate"] < TARGET_RATE
        row["drill"] = f"{drill}&{urlencode({'label': row['label']})}"
    return render(
        request,
        "cases/analysis_index.html",
        {
            "form": AnalysisForm(initial={"by": by, "period": period}),
            "by": by,
            "by_label": BY_LABELS[by],
            "period": period,
            "rows": rows,
            "total": total,
            "satisfied": satisfied,
            "rate": round(satisfied * 100 / total, 1) if total else None,
            "target": TARGET_RATE,
            "chart": {
                "kind": "line" if by == "month" else "bar",
                "target": TARGET_RATE,
                "drill": f"{drill}&label=",
                "labels": [r["label"] for r in rows],
                "rates": [r["rate"] for r in rows],
                "totals": [r["total"] for r in rows],
            },
        },
    )


@login_required
def analysis_cases(request):
    """The evaluated cases behind one bar (or all of them), newest first."""
    actor = request.user
    require_capability(actor, roles.ANALYSIS)
    by, period, since = _filters(request, actor)
    label = request.GET.get("label", "").strip()[:100]
    only_bad = request.GET.get("only") == "bad"
    page = paginate(
        request,
        reads.evaluations_for(actor, by=by, label=label, since=since, only_bad=only_bad),
        per_page=50,
    )
    for row in page.object_list:
        row.satisfied = row.score in SATISFIED_LEVELS
        row.case_link = reads.case_url(row.case_id)
    back = f"{reverse('cases:analysis')}?{urlencode({'by': by, 'period': period})}"
    return render(
        request,
        "cases/analysis_cases.html",
        {
            "rows": page,
            "query": query_without_page(request),
            "by_label": BY_LABELS[by],
            "label": label,
            "only_bad": only_bad,
            "period_label": dict(AnalysisForm.PERIODS)[period],
            "back": back,
            "all_url": f"{reverse('cases:analysis_cases')}?"
            + urlencode({"by": by, "period": period, "label": label}),
            "bad_url": f"{reverse('cases:analysis_cases')}?"
            + urlencode({"by": by, "period": period, "label": label, "only": "bad"}),
        },
    )
