"""Public pages (no log-in): service guides, booking and managing an appointment, rating a
case, following a case's progress. Every page is rate-limited per address; nothing about
anyone is shown that the person did not type on the same page, and a failed look-up never
says which half was wrong. The pages follow the ageing-friendly design rules for websites
(工业和信息化部《互联网网站适老化通用设计规范》): large text that stays on, high contrast, big
tap targets, no time limit on any form, every field labelled."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from junjia.cases import api as cases
from junjia.cases.choices import AppointmentStatus, CaseStatus, RatingChannel
from junjia.core import clock
from junjia.core.errors import DomainError
from junjia.core.ratelimit import ratelimit
from junjia.core.views.csrf import KEPT, keeps_input, kept_input, was_kept
from junjia.orgs.api import top_active_station
from junjia.petitions import api as petitions

from . import selectors, services
from .forms import (
    BookingForm,
    LookupForm,
    PetitionProgressForm,
    ProgressForm,
    RatingForm,
    RescheduleForm,
)

# Per address, per route, per minute. A township office or a mobile network may put many
# people behind one address, so reads are generous; POSTs (writes, guesses) are not.
READS_PER_MINUTE = 120

BOOKED_KEY = "portal.booked"
# The appointment proved by code and identity number, until the person leaves (退出查询) or
# the browser is closed: no clock runs out on a form (适老化: no time limit on operations);
# every change is also told by SMS, "如非本人操作，请致电服务站".
VERIFIED_KEY = "portal.appointment"

# Display preferences (适老化 大字 and 高对比度), kept a year in a cookie the server reads, so
# the page is drawn in them from its first paint, with or without JavaScript.
DISPLAY_COOKIE = "junjia_display"
DISPLAY_OPTIONS = ("large", "contrast")
DISPLAY_SECONDS = 365 * 24 * 3600

LOOKUP_FAILED = "没有找到相符的预约。请核对预约码和身份证号码后重试；如有疑问，请致电服务站。"
PROGRESS_FAILED = (
    "没有找到相符的办件。请核对办件编号和身份证号码后重试；"
    "办件编号印在一次性告知单和办结回执上。如有疑问，请致电办理的服务站。"
)
PETITION_FAILED = (
    "没有找到相符的信访事项。请核对查询码和身份证号码后重试；如有疑问，请致电登记的服务站。"
)
LEFT = "已退出预约查询。"
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
    """Rate-limit a public page: all requests, and POSTs more strictly when `posts` is set.
    A page that takes POSTs is shown again with what was typed when the CSRF check refuses
    a form left open too long (core.views.csrf)."""

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
            limited = keeps_input(limited)
        return limited

    return decorator


def display_of(request) -> frozenset[str]:
    """The display preferences the visitor chose (大字, 高对比度)."""
    chosen = request.COOKIES.get(DISPLAY_COOKIE, "").split(".")
    return frozenset(option for option in DISPLAY_OPTIONS if option in chosen)


def _page(request, template, context, *, station=None, status=200):
    # Pages not tied to one station show the centre at the top of the served tree.
    display = display_of(request)
    if was_kept(request):
        messages.warning(request, KEPT)
    context = {
        **context,
        "contact": station or top_active_station(),
        "display": {option: option in display for option in DISPLAY_OPTIONS},
        "display_class": " ".join(f"p-{option}" for option in sorted(display)),
    }
    response = render(request, template, context, status=status)
    response.headers.setdefault("Vary", "Cookie")
    return response


def _not_found(request, heading, text):
    return _page(request, "portal/message.html", {"heading": heading, "text": text}, status=404)


# --- service guides ------------------------------------------------------------------------------


@public()
def home(request):
    return _page(request, "portal/home.html", {})


@public()
def display(request):
    """The 大字 / 高对比度 switches as plain links: set the cookie, go back to the page."""
    chosen = set(display_of(request))
    for option in DISPLAY_OPTIONS:
        value = request.GET.get(option)
        if value == "1":
            chosen.add(option)
        elif value == "0":
            chosen.discard(option)
    back = request.GET.get("next", "")
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("portal:home")
    response = HttpResponseRedirect(back)
    if chosen:
        response.set_cookie(
            DISPLAY_COOKIE,
            ".".join(sorted(chosen)),
            max_age=DISPLAY_SECONDS,
            samesite="Lax",
            secure=request.is_secure(),
        )
    else:
        response.delete_cookie(DISPLAY_COOKIE, samesite="Lax")
    return response


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
    form = BookingForm(
        request.POST or None,
        station=station,
        items=items,
        initial=kept_input(request, BookingForm.base_fields),
    )
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
        except DomainError as exc:  # an InvalidInput names its field (id_number, phone)
            form.add_error(getattr(exc, "field", None) or "slot", str(exc))
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
    form = LookupForm(request.POST or None, initial=kept_input(request, ["code"]))
    failed = False
    if request.method == "POST" and form.is_valid():
        found = cases.find_appointment(form.cleaned_data["code"], form.cleaned_data["id_number"])
        if found is not None:
            request.session[VERIFIED_KEY] = {"pk": found.pk}
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
    return cases.appointment_by_pk(held.get("pk")) if held else None


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
    form = RescheduleForm(slots=open_slots, initial=kept_input(request, ["slot"]))
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "leave":
        request.session.pop(VERIFIED_KEY, None)
        messages.info(request, LEFT)
        return redirect("portal:appointment_lookup")
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
    form = RatingForm(request.POST or None, initial=kept_input(request, ["score", "comment"]))
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


# --- following a case (办件进度查询) -------------------------------------------------------------


@public(posts=10)
@never_cache
def case_progress(request):
    """The case number printed on every notice and the applicant's identity number show the
    case's status and dated steps; a mismatch of either gives one answer."""
    form = ProgressForm(request.POST or None, initial=kept_input(request, ["case_number"]))
    progress, failed = None, False
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["case_number"]
        progress = cases.case_progress(number, form.cleaned_data["id_number"])
        if progress is None:
            # The number is kept (it is long to type again); the identity number is not.
            form, failed = ProgressForm(initial={"case_number": number}), True
        else:
            return _page(
                request, "portal/progress_answer.html", {"progress": progress, "number": number}
            )
    return _page(
        request,
        "portal/progress.html",
        {"form": form, "failed": failed, "failed_text": PROGRESS_FAILED},
    )


# --- following a petition (信访事项办理进度查询, 001 附件第七部分 五(一)) ------------------


@public(posts=10)
@never_cache
def petition_progress(request):
    """The query code given at registration and the petitioner's identity number show that
    petition's status and dated steps; a mismatch of either gives one answer, and nothing says
    whether the person has any other petition or file."""
    form = PetitionProgressForm(request.POST or None, initial=kept_input(request, ["query_code"]))
    failed = False
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["query_code"]
        progress = petitions.petition_progress(code, form.cleaned_data["id_number"])
        if progress is not None:
            return _page(request, "portal/petition_answer.html", {"progress": progress})
        form, failed = PetitionProgressForm(initial={"query_code": code}), True
    return _page(
        request,
        "portal/petition_progress.html",
        {"form": form, "failed": failed, "failed_text": PETITION_FAILED},
    )
