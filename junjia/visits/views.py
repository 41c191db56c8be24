"""Staff pages of visits: the visit rules (走访慰问规则) — the list, a rule with its versions,
adding, changing (a new version) and retiring a rule (county level and above)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from junjia.core.errors import DomainError, NotPermitted
from junjia.core.pages import show_refusal
from junjia.orgs.api import Level, has_capability
from junjia.registry.choices import FLAG_FIELDS, Category, MeritKind

from . import errors, roles, selectors, services
from .choices import Anchor, EventKind, RecordItem, Subject, Timing
from .forms import RetireForm, VisitRuleForm, initial_from
from .permissions import can_make_rules, can_manage_rule, get_rule_for_actor

NOT_A_READER = "您没有查看走访慰问规则的权限。"


def _require_reader(actor) -> None:
    if not (has_capability(actor, roles.VIEW) or has_capability(actor, roles.RULES)):
        raise PermissionDenied(NOT_A_READER)


def describe(version) -> dict:
    """A version's content in words, for the pages."""
    labels = {
        **dict(Category.choices),
        **FLAG_FIELDS,
        **dict(MeritKind.choices),
    }
    who = [labels.get(v, v) for v in [*version.categories, *version.flags, *version.merits]]
    if version.pension:
        who.append("享受抚恤定补的优抚对象")
    when = Timing(version.timing).label
    if version.timing in (Timing.FIXED_DATE, Timing.LUNAR_DATE):
        prefix = "农历" if version.timing == Timing.LUNAR_DATE else ""
        when = f"{prefix}{version.month}月{version.day}日"
    elif version.timing == Timing.FREQUENCY:
        when = f"每年至少 {version.times_per_year} 次"
    elif version.anchor == Anchor.RECORDED_EVENT:
        when = f"事件：{EventKind(version.event_kind).label}"
    elif version.anchor:
        when = f"{Timing(version.timing).label}：{Anchor(version.anchor).label}"
    window = []
    if version.days_before:
        window.append(f"提前 {version.days_before} 天")
    if version.months_after:
        window.append(f"之后 {version.months_after} 个月内")
    if version.days_after:
        window.append(f"之后 {version.days_after} 天内")
    return {
        "who": "、".join(who) or "全部服务对象",
        "subject": Subject(version.subject).label,
        "min_age": version.min_age,
        "when": when,
        "window": "，".join(window),
        "level": Level(version.responsible_level).label,
        "record": [RecordItem(i).label for i in version.record_items if i in RecordItem.values],
        "counts": version.get_contact_counts_display(),
    }


@login_required
def rule_list(request):
    actor = request.user
    _require_reader(actor)
    retired = request.GET.get("retired") == "1"
    rules = list(selectors.rules_for(actor, retired=retired))
    for rule in rules:
        rule.facts = describe(rule.current_version)
    return render(
        request,
        "visits/rule_list.html",
        {"rules": rules, "retired": retired, "can_add": can_make_rules(actor)},
    )


@login_required
def rule_detail(request, code):
    actor = request.user
    _require_reader(actor)
    rule = get_rule_for_actor(actor, code)
    versions = list(selectors.rule_versions(rule))
    for version in versions:
        version.facts = describe(version)
    return render(
        request,
        "visits/rule_detail.html",
        {
            "rule": rule,
            "versions": versions,
            "can_manage": can_manage_rule(actor, rule) and not rule.is_retired,
            "retire_form": RetireForm(),
        },
    )


def _rule_form(request, form, rule, write):
    """The add and change pages: one service call; a refusal shown under its field."""
    if request.method == "POST" and form.is_valid():
        try:
            saved_message = write(form)
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            code, message = saved_message
            messages.success(request, message)
            return redirect("visits:rule_detail", code=code)
    return render(request, "visits/rule_form.html", {"form": form, "rule": rule})


@login_required
def rule_new(request):
    actor = request.user
    if not can_make_rules(actor):
        raise PermissionDenied(errors.NOT_RULE_MAKER)

    def write(form):
        data = form.cleaned_data
        rule = services.rule_add(
            actor=actor, code=data["code"], name=data["name"], content=form.content()
        )
        return rule.code, f"已新增规则“{rule.name}”（第 1 版）。"

    return _rule_form(request, VisitRuleForm(request.POST or None), None, write)


@login_required
def rule_edit(request, code):
    actor = request.user
    _require_reader(actor)
    rule = get_rule_for_actor(actor, code)
    if not can_manage_rule(actor, rule):
        raise PermissionDenied(errors.NOT_RULE_MAKER)

    def write(form):
        name = form.cleaned_data["name"]
        version = services.rule_change(actor=actor, rule=rule, name=name, content=form.content())
        return rule.code, f"已发布第 {version.number} 版；已生成的走访计划仍按原版本。"

    form = VisitRuleForm(request.POST or None, initial=initial_from(rule), editing=True)
    return _rule_form(request, form, rule, write)


@login_required
@require_POST
def rule_retire(request, code):
    actor = request.user
    _require_reader(actor)
    rule = get_rule_for_actor(actor, code)
    if not can_manage_rule(actor, rule):
        raise PermissionDenied(errors.NOT_RULE_MAKER)
    form = RetireForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors.NO_REASON)
        return redirect("visits:rule_detail", code=rule.code)
    try:
        services.rule_retire(actor=actor, rule=rule, reason=form.cleaned_data["reason"])
    except NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已停用规则“{rule.name}”；规则及其各版本仍保留。")
    return redirect("visits:rule_detail", code=rule.code)
