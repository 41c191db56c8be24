"""预约管理 (000 §7 预约服务): the day's list with arrived / no-show marks, slots per station,
booking by staff (phone or on site), cancellation and rescheduling."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from junjia.cases import roles
from junjia.core.errors import DomainError
from junjia.orgs.api import get_for_actor, region_scope, require_capability, stations_in_reach

from .. import appointments_admin, selectors, services
from ..choices import AppointmentStatus
from ..forms_rota import (
    AppointmentMarkForm,
    RescheduleForm,
    SlotForm,
    StaffBookingForm,
    StationPickForm,
)
from ..models import Appointment, AppointmentSlot, ServiceItem
from . import rota_reads as reads

SLOT_DAYS = 14
BOOK_AHEAD_DAYS = 60


def _date(raw: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def _list_url(day: dt.date, station=None) -> str:
    url = f"{reverse('cases:appointments')}?date={day:%Y-%m-%d}"
    return url + (f"&station={station.pk}" if station else "")


def _open_slots(actor, station):
    """Slots of `station` still ahead and with places left."""
    now = timezone.localtime(appointments_admin._now())
    return (
        AppointmentSlot.objects.filter(
            region_scope(actor, roles.APPOINTMENTS),
            station=station,
            booked__lt=F("capacity"),
            date__lte=now.date() + dt.timedelta(days=BOOK_AHEAD_DAYS),
        )
        .filter(Q(date__gt=now.date()) | Q(date=now.date(), start__gt=now.time()))
        .select_related("station")
        .order_by("date", "start")
    )


@login_required
def appointments(request):
    actor = request.user
    require_capability(actor, roles.APPOINTMENTS)
    today = reads.today()
    day = _date(request.GET.get("date"), today)
    stations = stations_in_reach(actor, roles.APPOINTMENTS)
    station = reads.pick_station(
        actor, roles.APPOINTMENTS, request.GET.get("station"), default_own=False
    )
    qs = selectors.appointments_on(actor, day).select_related("slot__station")
    if station is not None:
        qs = qs.filter(slot__station=station)
    rows = list(qs.order_by("slot__station__region__code", "slot__start", "slot__kind", "id"))
    now = appointments_admin._now()
    for row in rows:
        booked = row.status == AppointmentStatus.BOOKED
        started = appointments_admin._slot_start(row.slot) <= now
        row.can_arrive = booked and row.slot.date <= timezone.localdate(now)
        row.can_no_show = booked and started
        row.can_change = booked and not started
    counts = {s: sum(1 for r in rows if r.status == s) for s in AppointmentStatus.values}
    return render(
        request,
        "cases/appt_list.html",
        {
            "day": day,
            "today": today,
            "prev_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "rows": rows,
            "counts": counts,
            "station": station,
            "stations": stations if stations.count() > 1 else None,
        },
    )


@login_required
def slots(request):
    actor = request.user
    require_capability(actor, roles.APPOINTMENTS)
    stations = stations_in_reach(actor, roles.APPOINTMENTS)
    station = reads.pick_station(
        actor, roles.APPOINTMENTS, request.POST.get("station") or request.GET.get("station")
    )
    today = reads.today()
    start = _date(request.GET.get("start"), today)
    form = SlotForm(request.POST or None, initial={"day": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = appointments_admin.slot_series_create(
                actor=actor,
                station=station,
                first_day=data["day"],
                days=data["days"],
                start=data["start"],
                end=data["end"],
                kind=data["kind"],
                capacity=data["capacity"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            first = created[0]
            messages.success(
                request,
                f"已设置 {len(created)} 个“{first.get_kind_display()}”时段"
                f"（{first.start:%H:%M}–{first.end:%H:%M}，每个 {first.capacity} 人）。",
            )
            return redirect(
                f"{reverse('cases:slots')}?station={station.pk}&start={first.date:%Y-%m-%d}"
            )
    return render(
        request,
        "cases/appt_slots.html",
        {
            "station": station,
            "picker": StationPickForm(stations=stations, initial={"station": station})
            if stations.count() > 1
            else None,
            "slots": list(selectors.slots_for(station, start, SLOT_DAYS)),
            "start": start,
            "end": start + dt.timedelta(days=SLOT_DAYS - 1),
            "earlier": start - dt.timedelta(days=SLOT_DAYS),
            "later": start + dt.timedelta(days=SLOT_DAYS),
            "form": form,
        },
    )


def _items_for(station):
    ids = [item.pk for item in selectors.catalogue(station.region.level)]
    return ServiceItem.objects.filter(pk__in=ids).order_by("area", "code")


@login_required
def appointment_book(request):
    """Booked by staff for a person on the phone or at the window."""
    actor = request.user
    require_capability(actor, roles.APPOINTMENTS)
    stations = stations_in_reach(actor, roles.APPOINTMENTS)
    station = reads.pick_station(
        actor, roles.APPOINTMENTS, request.POST.get("station") or request.GET.get("station")
    )
    form = StaffBookingForm(
        request.POST or None,
        slots=_open_slots(actor, station),
        items=_items_for(station),
        initial={"slot": request.GET.get("slot")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking = services.appointment_book(
                slot=data["slot"],
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                item=data["item"],
                note=form.booking_note(),
                actor=actor,
            )
        except DomainError as exc:  # an InvalidInput names its field (id_number, phone)
            form.add_error(getattr(exc, "field", None), str(exc))
        else:
            slot = booking.slot
            messages.success(
                request,
                f"预约成功：{booking.name}，{slot.date:%m月%d日} {slot.start:%H:%M}，"
                f"预约码 {booking.code}（请告知预约人）。",
            )
            return redirect(_list_url(slot.date, station))
    return render(
        request,
        "cases/appt_book.html",
        {
            "station": station,
            "picker": StationPickForm(stations=stations, initial={"station": station})
            if stations.count() > 1
            else None,
            "form": form,
        },
    )


def _appointment(actor, pk) -> Appointment:
    return get_for_actor(
        Appointment.objects.select_related("slot__station", "item"),
        actor,
        roles.APPOINTMENTS,
        pk=pk,
    )


@login_required
@require_POST
def appointment_mark(request, pk):
    actor = request.user
    appointment = _appointment(actor, pk)
    form = AppointmentMarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择“已到达”或“未到”。")
    else:
        try:
            marked = appointments_admin.appointment_mark(
                actor=actor, appointment=appointment, status=form.cleaned_data["status"]
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{marked.name}：{marked.get_status_display()}。")
    return redirect(_list_url(appointment.slot.date))


@login_required
@require_POST
def appointment_cancel(request, pk):
    actor = request.user
    appointment = _appointment(actor, pk)
    try:
        appointments_admin.appointment_cancel_by_staff(actor=actor, appointment=appointment)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已取消 {appointment.name} 的预约，名额已释放。")
    return redirect(_list_url(appointment.slot.date))


@login_required
def appointment_reschedule(request, pk):
    actor = request.user
    appointment = _appointment(actor, pk)
    station = appointment.slot.station
    form = RescheduleForm(
        request.POST or None,
        slots=_open_slots(actor, station).exclude(pk=appointment.slot_id),
    )
    if request.method == "POST" and form.is_valid():
        try:
            moved = appointments_admin.appointment_move(
                actor=actor, appointment=appointment, slot=form.cleaned_data["slot"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            slot = moved.slot
            messages.success(
                request,
                f"已将 {moved.name} 的预约改到 {slot.date:%m月%d日} {slot.start:%H:%M}"
                f"（预约码 {moved.code} 不变）。",
            )
            return redirect(_list_url(slot.date))
    return render(
        request,
        "cases/appt_reschedule.html",
        {"appointment": appointment, "form": form},
    )
