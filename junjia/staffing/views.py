"""窗口与AB角, 请假 and 午间值班 pages (000 §7: AB角工作制, 午间服务)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from junjia.core import clock
from junjia.core.errors import DomainError
from junjia.core.pages import paginate, query_without_page
from junjia.core.workdays import UnknownCalendarYear, is_working_day
from junjia.orgs.api import (
    active_staff_in_reach,
    active_staff_of,
    can_reach,
    get_station_for_actor,
    has_capability,
    require_capability,
    stations_in_reach,
)

from . import selectors, services
from .forms import LeaveForm, LunchDutyForm, StationPickForm, WindowForm
from .permissions import get_window_for_actor
from .roles import LEAVE, ROTA, VIEW


def _station_url(name: str, station) -> str:
    return f"{reverse(name)}?station={station.pk}"


def _station(actor, capability: str, raw: str | None):
    """The station named by ?station= (404 outside reach), else the actor's own, else None."""
    pk = raw or actor.station_id
    return get_station_for_actor(actor, pk, capability=capability) if pk else None


def _picker(stations, station):
    """The station picker, for those who reach more than one station."""
    if stations is None or stations.count() < 2:
        return None
    return StationPickForm(stations=stations, initial={"station": station})


def lunch_duty_context(station, day: dt.date) -> dict:
    """For staffing/_lunch_duty.html: today's lunch duty at `station`, and whether today has
    lunch service at all (working days only)."""
    try:
        working = is_working_day(day)
    except UnknownCalendarYear:
        working = False
    return {
        "lunch_duty": selectors.lunch_duty_on(station, day) if station else None,
        "lunch_service_today": working and station is not None,
    }


@login_required
def rota(request):
    """Windows with their A and B; who is away today; windows with nobody on duty."""
    actor = request.user
    require_capability(actor, VIEW)
    day = clock.today()
    stations = stations_in_reach(actor, VIEW)
    raw = request.GET.get("station")
    station = _station(actor, VIEW, raw) if raw else None  # all stations in reach by default
    rows = paginate(request, selectors.windows(actor, day, station), per_page=50)
    return render(
        request,
        "staffing/windows.html",
        {
            "day": day,
            "rows": rows,
            "query": query_without_page(request),
            "station": station,
            "stations": stations if stations.count() > 1 else None,
            "uncovered": selectors.uncovered_windows(actor, day),
            "away": list(selectors.away_on(actor, day, station)[:200]),
            "can_edit": has_capability(actor, ROTA),
            **lunch_duty_context(station or actor.station, day),
        },
    )


def _window_form_page(request, *, station, window=None, form=None, stations=None):
    return render(
        request,
        "staffing/window_form.html",
        {
            "station": station,
            "window": window,
            "form": form,
            "picker": _picker(stations, station),
        },
    )


@login_required
def window_create(request):
    actor = request.user
    require_capability(actor, ROTA)
    stations = stations_in_reach(actor, ROTA)
    raw = request.POST.get("station") or request.GET.get("station")
    station = _station(actor, ROTA, raw)
    form = WindowForm(request.POST or None, staff=active_staff_of(station))
    if request.method == "POST" and form.is_valid():
        try:
            window = services.window_save(
                actor=actor,
                station=station,
                name=form.cleaned_data["name"],
                primary=form.cleaned_data["primary"],
                backup=form.cleaned_data["backup"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已新增窗口“{window.name}”。")
            return redirect(_station_url("cases:rota", station))
    return _window_form_page(request, station=station, form=form, stations=stations)


@login_required
def window_edit(request, pk):
    actor = request.user
    window = get_window_for_actor(actor, pk)
    station = window.station
    initial = {"name": window.name, "primary": window.primary, "backup": window.backup}
    form = WindowForm(request.POST or None, initial=initial, staff=active_staff_of(station))
    if request.method == "POST" and form.is_valid():
        try:
            services.window_save(
                actor=actor,
                station=station,
                window=window,
                name=form.cleaned_data["name"],
                primary=form.cleaned_data["primary"],
                backup=form.cleaned_data["backup"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"窗口“{form.cleaned_data['name']}”的 AB 角已保存。")
            return redirect(_station_url("cases:rota", station))
    return _window_form_page(request, station=station, window=window, form=form)


@login_required
def leave(request):
    """Record leave for myself, or (the head) for staff; current and upcoming leave."""
    actor = request.user
    require_capability(actor, LEAVE)
    day = clock.today()
    for_others = has_capability(actor, ROTA)
    staff = active_staff_in_reach(actor, ROTA) if for_others else None
    form = LeaveForm(request.POST or None, staff=staff, initial={"user": actor.pk})
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data.get("user") or actor
        try:
            record = services.leave_record(
                actor=actor,
                user=user,
                start=form.cleaned_data["start_date"],
                end=form.cleaned_data["end_date"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"已登记 {record.user} {record.start_date:%Y-%m-%d} 至 "
                f"{record.end_date:%Y-%m-%d} 请假；其 B 角已收到通知。",
            )
            return redirect("cases:leave")
    rows = paginate(request, selectors.leaves(actor, day), per_page=50)
    return render(
        request,
        "staffing/leave.html",
        {"form": form, "rows": rows, "day": day, "query": query_without_page(request)},
    )


@login_required
def lunch(request):
    """午间服务 12:00–13:30 on working days: the coming working days' rota of one station."""
    actor = request.user
    require_capability(actor, VIEW)
    stations = stations_in_reach(actor, VIEW)
    station = _station(actor, VIEW, request.POST.get("station") or request.GET.get("station"))
    can_set = can_reach(actor, ROTA, station.region_key)
    staff = active_staff_of(station)
    error_day, error_form = None, None
    if request.method == "POST":
        form = LunchDutyForm(request.POST, staff=staff)
        if form.is_valid():
            try:
                duty = services.lunch_duty_set(
                    actor=actor,
                    station=station,
                    day=form.cleaned_data["day"],
                    user=form.cleaned_data["user"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, f"{duty.date.month}月{duty.date.day}日午间值班：{duty.user}。"
                )
                return redirect(_station_url("cases:lunch", station))
        error_day, error_form = form.data.get("day", ""), form
    day = clock.today()
    days, calendar_error = selectors.coming_working_days(day)
    rota_by_day = selectors.lunch_rota(station, days)
    away = selectors.away_by_day(station, days)
    rows, placed = [], False
    for d in days:
        duty = rota_by_day.get(d)
        if can_set and error_form is not None and error_day == f"{d:%Y-%m-%d}":
            row_form, placed = error_form, True
        else:
            row_form = LunchDutyForm(
                staff=staff,
                away=away[d],
                initial={"day": d, "user": duty.user_id if duty else None},
                auto_id=f"lunch-%s-{d:%Y%m%d}",
            )
        rows.append(
            {
                "day": d,
                "duty": duty,
                "duty_away": bool(duty and duty.user_id in away[d]),
                "form": row_form,
                "today": d == day,
            }
        )
    return render(
        request,
        "staffing/lunch.html",
        {
            "station": station,
            "picker": _picker(stations, station),
            "rows": rows,
            "calendar_error": calendar_error,
            # A refusal for a day not in the grid (a holiday, a past day) shows above it.
            "post_errors": [e for errs in error_form.errors.values() for e in errs]
            if error_form is not None and not placed
            else [],
            "can_set": can_set,
            "has_staff": staff.exists(),
        },
    )
