"""Public pages (no log-in): service guides, booking and managing an appointment, rating a
case. Every page is rate-limited per address; nothing about anyone is shown that the person
did not type on the same page, and a failed look-up never says which half was wrong."""

import time

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from junjia.cases import api as cases
from junjia.cases.choices import AppointmentStatus, CaseStatus, RatingChannel
from junjia.core import clock
from junjia.core.errors import DomainError
from junjia.core.ratelimit import ratelimit
from junjia.orgs.api import top_active_station

from . import selectors, services
from .forms import BookingForm, LookupForm, RatingForm, RescheduleForm

# Per address, per route, per minute. A township office or a mobile network may put many
# people behind one address, so reads are generous; POSTs (writes, guesses) are not.
READS_PER_MINUTE = 120

BOOKED_KEY = "portal.booked"
VERIFIED_KEY = "portal.appointment"
VERIFIED_SECONDS = 20 * 60

LOOKUP_FAILED = "没有找到相符的预约。请核对预约码和身份证号码后重试；如有疑问，请致电服务站。"
LINK_INVALID = "评价链接无效或已过期。请扫描回执上的二维码，或在窗口请工作人员协助评价。"
VERIFY_FIRST = "请先输入预约码和身份证号码。"


def _too_many(request, verdict):
    return _page(
        request,
        "portal/message.html",
        {
            "heading": "访问过于频繁",
            "text": f"您的操作太快了，请 {verdict.retry_after} 秒后再试。",
        },
        status=429,
    )


def public(posts: int | None = None):
    """Rate-limit a public page: all requests, and POSTs more strictly when `posts` is set."""

    def decorator(view):
        limited = ratelimit(limit=READS_PER_MINUTE, window=60, response=_too_many)(view)
        if posts:
            limited = ratelimit(
                limit=posts,
                window=60,
                methods=("POST",),
                scope=f"portal.{view.__name__}.post",
                response=_too_many,
            )(limited)
        return limited

    return decorator


def _page(request, template, context, *, station=None, status=200):
    # Pages not tied to one station show the centre at the top of the served tree.
    context = {**context, "contact": station or top_active_station()}
    return render(request, template, context, status=status)


def _not_found(request, heading, text):
    return _page(request, "portal/message.html", {"heading": heading, "text": text}, status=404)


# --- service guides ------------------------------------------------------------------------------


@public()
def home(request):
    return _page(request, "portal/home.html", {})


@public()
def guide_list(request):
    return _page(request, "portal/guide_list.html", {"areas": selectors.guides_by_area()})


@public()
def guide_detail(request, code):
    item = cases.published_item(code)
    if item is None:
        return _not_found(request, "未找到该事项", "该服务事项不存在或已停止办理，请查看办事指南。")
    version = item.current_version
    return _page(
        request,
        "portal/guide_detail.html",
        {
            "item": item,
            "version": version,
            "materials": selectors.material_rows(version),
            "levels": selectors.level_labels(item.handling_levels),
        },
    )


# --- booking ---------------------------------------------------------------------------------


@public()
def book_station(request):
    error = ""
    if request.GET.get("go") == "next":
        chosen = request.GET.get("station", "")
        station = selectors.booking_station(int(chosen)) if chosen.isdigit() else None
        if station is not None:
            return redirect("portal:book", pk=station.pk)
        error = "请先在列表中选择一个服务站。"
    # 搜索 looks for the typed name everywhere; 查看 lists the chosen county or township.
    by_area = request.GET.get("go") == "area"
    finder = selectors.station_finder(
        query="" if by_area else request.GET.get("q", ""),
        county=request.GET.get("county", ""),
        town=request.GET.get("town", ""),
    )
    counts = selectors.open_slot_counts(finder.stations, clock.today())
    options = [(s, counts.get(s.pk, 0)) for s in finder.stations]
    return _page(
        request,
        "portal/book_station.html",
        {"finder": finder, "options": options, "error": error},
    )


@public(posts=10)
@never_cache
def book(request, pk):
    station = selectors.booking_station(pk)
    if station is None:
        return _not_found(request, "未找到该服务站", "请返回重新选择服务站。")
    items = selectors.items_for(station)
    form = BookingForm(request.POST or None, station=station, items=items)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.appointment_book_public(
                slot=data["slot"],
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                item=data["item"],
            )
        except DomainError as exc:
            form.add_error("slot", str(exc))
        else:
            request.session[BOOKED_KEY] = appointment.pk
            return redirect("portal:book_done")
    slots = selectors.upcoming_slots(station)
    chosen = str(form["slot"].value() or "")
    return _page(
        request,
        "portal/book.html",
        {
            "station": station,
            "form": form,
            "days": selectors.slots_by_day(slots),
            "chosen": chosen,
            "has_open": any(s.remaining for s in slots),
        },
        station=station,
    )


@public()
@never_cache
def book_done(request):
    appointment = cases.appointment_by_pk(request.session.get(BOOKED_KEY))
    if appointment is None:
        return redirect("portal:book_station")
    station = appointment.slot.station
    return _page(
        request,
        "portal/book_done.html",
        {"appointment": appointment, "when": services.when(appointment.slot)},
        station=station,
    )


# --- look-up, cancel, reschedule ---------------------------------------------------------------


@public(posts=10)
@never_cache
def appointment_lookup(request):
    form = LookupForm(request.POST or None)
    failed = False
    if request.method == "POST" and form.is_valid():
        found = cases.find_appointment(form.cleaned_data["code"], form.cleaned_data["id_number"])
        if found is not None:
            request.session[VERIFIED_KEY] = {"pk": found.pk, "at": time.time()}
            return redirect("portal:appointment_manage")
        # The same answer whether the code does not exist or the number does not match it,
        # and nothing typed is shown again.
        form, failed = LookupForm(), True
    return _page(
        request,
        "portal/lookup.html",
        {"form": form, "failed": failed, "failed_text": LOOKUP_FAILED},
    )


def _verified_appointment(request):
    held = request.session.get(VERIFIED_KEY) or {}
    if not held or time.time() - held.get("at", 0) > VERIFIED_SECONDS:
        return None
    return cases.appointment_by_pk(held.get("pk"))


@public(posts=20)
@never_cache
def appointment_manage(request):
    appointment = _verified_appointment(request)
    if appointment is None:
        request.session.pop(VERIFIED_KEY, None)
        messages.info(request, VERIFY_FIRST)
        return redirect("portal:appointment_lookup")
    station = appointment.slot.station
    open_slots = [
        s for s in selectors.upcoming_slots(station, exclude_pk=appointment.slot_id) if s.remaining
    ]
    form = RescheduleForm(slots=open_slots)
    action = request.POST.get("action") if request.method == "POST" else None
    try:
        if action == "cancel":
            services.appointment_cancel_public(appointment=appointment)
            messages.success(request, "预约已取消。")
            return redirect("portal:appointment_manage")
        if action == "reschedule":
            form = RescheduleForm(request.POST, slots=open_slots)
            if form.is_valid():
                services.appointment_reschedule_public(
                    appointment=appointment, slot=form.cleaned_data["slot"]
                )
                messages.success(request, "已改约到新的时段，短信通知已发送。")
                return redirect("portal:appointment_manage")
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("portal:appointment_manage")
    return _page(
        request,
        "portal/manage.html",
        {
            "appointment": appointment,
            "when": services.when(appointment.slot),
            "booked": appointment.status == AppointmentStatus.BOOKED,
            "form": form,
            "days": selectors.slots_by_day(open_slots),
            "chosen": str(form["slot"].value() or ""),
        },
        station=station,
    )


# --- rating a case (000 §9) ----------------------------------------------------------------------


@public(posts=10)
@never_cache
def rate(request, token):
    """The signed link from the receipt's QR code or the SMS; one evaluation per case."""
    case = cases.case_for_token(token)
    if case is None:
        return _not_found(request, "链接无效", LINK_INVALID)
    station = case.station
    if cases.is_rated(case):
        return _page(request, "portal/rate_thanks.html", {}, station=station)
    if case.status != CaseStatus.COMPLETED:
        return _page(
            request,
            "portal/message.html",
            {"heading": "暂不能评价", "text": cases.NOT_COMPLETED},
            station=station,
        )
    channel = RatingChannel.SMS if request.GET.get("via") == "sms" else RatingChannel.QR
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cases.evaluation_submit(
                case=case,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                channel=channel,
            )
        except DomainError as exc:
            if str(exc) != cases.ALREADY_RATED:
                form.add_error(None, str(exc))
        if not form.errors:
            return redirect(request.get_full_path())
    return _page(
        request,
        "portal/rate.html",
        {
            "form": form,
            "item_name": case.item_version.item.name,
            "case": case,
            "chosen": str(form["score"].value() or ""),
        },
        station=station,
    )
