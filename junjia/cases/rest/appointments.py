"""/api/v1/appointments/ (预约, 000 §7): the bookings of the caller's jurisdiction by day or
date window and station, a booking made by staff for a person on the phone or at the window,
cancellation, rescheduling, arrived / no-show, and the slots of a station.

The same services as the 预约管理 pages: a place is taken by one conditional UPDATE, so the
last place goes once however many ask at the same time; a full slot answers 409."""

import datetime as dt
from contextlib import contextmanager

from django.db.models import F
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from junjia.cases import roles
from junjia.core.api_base import StandardPagination
from junjia.core.errors import DomainError
from junjia.core.personal.serializers import IdNumberSerializerField, MobileSerializerField
from junjia.core.rest import read_input
from junjia.orgs.api import get_for_actor, region_scope, require_capability

from .. import appointments_admin, errors, selectors, services
from ..choices import AppointmentStatus
from ..forms_rota import StaffBookingForm
from ..models import Appointment, AppointmentSlot
from ..views import rota_reads
from .cases import CaseStationRef
from .common import (
    Conflict,
    date_param,
    int_param,
    record_list,
    record_view,
    refusals,
    today,
)

TAG = "预约"
APPOINTMENT_LIST_OBJECT = "cases.appointment_list"
NO_SUCH_SLOT = "没有该预约时段，或不在您的辖区内。"
NO_SUCH_ITEM = "没有该服务事项，或该站不办理该事项。"
WINDOW_ORDER = "结束日期不能早于开始日期。"
SLOT_DAYS_MAX = 31
SLOT_DAYS = "天数应在 1 到 31 之间。"
NO_STATION = "请指定服务站（station）。"
MARKS = [AppointmentStatus.ARRIVED, AppointmentStatus.NO_SHOW]


# --- output ----------------------------------------------------------------------------------


class SlotOut(serializers.Serializer):
    id = serializers.IntegerField()
    station = CaseStationRef()
    date = serializers.DateField()
    start = serializers.TimeField(format="%H:%M")
    end = serializers.TimeField(format="%H:%M")
    kind = serializers.CharField(help_text="workday 工作日 / non_workday 非工作日 / video 远程视频")
    kind_label = serializers.CharField(source="get_kind_display")
    capacity = serializers.IntegerField()
    booked = serializers.IntegerField()
    remaining = serializers.IntegerField()


class AppointmentItemRef(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class AppointmentOut(serializers.Serializer):
    """A booking: the person's identity number and phone masked only."""

    id = serializers.IntegerField()
    code = serializers.CharField(help_text="预约码（与身份证号码一起可自助查询、取消）")
    name = serializers.CharField()
    id_masked = serializers.CharField(help_text="110101********123X")
    phone_masked = serializers.CharField(help_text="138****5678")
    status = serializers.CharField(help_text="booked / arrived / cancelled / no_show")
    status_label = serializers.CharField(source="get_status_display")
    slot = SlotOut()
    item = AppointmentItemRef(allow_null=True)
    note = serializers.CharField()
    booked_by = serializers.CharField(
        source="booked_by.__str__", default=None, allow_null=True, help_text="空：本人网上预约"
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


# --- input -----------------------------------------------------------------------------------


def _slot_in_reach(actor, pk) -> AppointmentSlot:
    try:
        return get_for_actor(
            AppointmentSlot.objects.select_related("station__region"),
            actor,
            roles.APPOINTMENTS,
            pk=pk,
        )
    except Http404 as exc:
        raise ValidationError(NO_SUCH_SLOT) from exc


class AppointmentBookIn(serializers.Serializer):
    slot = serializers.IntegerField(
        help_text="预约时段 id（见 /appointments/slots/）",
        error_messages={"required": "请选择预约时段。", "invalid": "预约时段应为时段 id。"},
    )
    channel = serializers.ChoiceField(
        choices=StaffBookingForm.CHANNELS,
        default="phone",
        help_text="phone 电话预约 / site 现场预约",
        error_messages={"invalid_choice": "预约方式应为 phone（电话）或 site（现场）。"},
    )
    name = serializers.CharField(
        max_length=50, error_messages={"required": "请填写姓名。", "blank": "请填写姓名。"}
    )
    id_number = IdNumberSerializerField(help_text="公民身份号码（保存为密文，答复只给脱敏形式）")
    phone = MobileSerializerField(help_text="手机号码")
    item = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=None, help_text="服务事项编码"
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)

    def validate_slot(self, pk):
        return _slot_in_reach(self.context["actor"], pk)

    def validate(self, attrs):
        code = (attrs.get("item") or "").strip()
        attrs["item"] = None
        if code:
            # The items the slot's station handles, as the booking page offers them.
            items = {i.code: i for i in selectors.catalogue(attrs["slot"].station.region.level)}
            if code not in items:
                raise ValidationError({"item": [NO_SUCH_ITEM]})
            attrs["item"] = items[code]
        label = dict(StaffBookingForm.CHANNELS)[attrs["channel"]]
        note = attrs["note"].strip()
        attrs["note"] = f"{label}；{note}" if note else label
        return attrs


class RescheduleIn(serializers.Serializer):
    slot = serializers.IntegerField(
        help_text="改约到的时段 id（同一服务站、尚未开始）",
        error_messages={"required": "请选择改约的时段。", "invalid": "预约时段应为时段 id。"},
    )

    def validate_slot(self, pk):
        return _slot_in_reach(self.context["actor"], pk)


class MarkIn(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in MARKS],
        help_text="arrived 已到达 / no_show 未到",
        error_messages={
            "required": "请选择“已到达”或“未到”。",
            "invalid_choice": "只能标记为 arrived（已到达）或 no_show（未到）。",
        },
    )


# --- views -----------------------------------------------------------------------------------

LIST_PARAMETERS = [
    OpenApiParameter("date", dt.date, description="只看这一天（与 from/to 二选一）"),
    OpenApiParameter("from", dt.date, description="开始日期，默认今天"),
    OpenApiParameter("to", dt.date, description="结束日期（含）"),
    OpenApiParameter("station", int, description="服务中心（站）id"),
    OpenApiParameter(
        "status",
        str,
        enum=AppointmentStatus.values,
        description="状态；不填时不含已取消的",
    ),
]


def filter_appointments(actor, params):
    """The bookings of the caller's jurisdiction in the date window, like the day list of
    the page (selectors.appointments_on: cancelled ones left out unless asked for)."""
    day = date_param(params, "date", None)
    start = day or date_param(params, "from", today())
    end = day or date_param(params, "to", None)
    if end is not None and end < start:
        raise ValidationError({"to": [WINDOW_ORDER]})
    qs = Appointment.objects.filter(region_scope(actor, roles.APPOINTMENTS), slot__date__gte=start)
    if end is not None:
        qs = qs.filter(slot__date__lte=end)
    if (station := int_param(params, "station")) is not None:
        qs = qs.filter(slot__station_id=station)
    wanted = params.get("status", "")
    if wanted:
        if wanted not in AppointmentStatus.values:
            raise ValidationError({"status": [f"未知的状态“{wanted}”。"]})
        qs = qs.filter(status=wanted)
    else:
        qs = qs.exclude(status=AppointmentStatus.CANCELLED)
    return qs.select_related("slot__station", "item", "booked_by").order_by(
        "slot__date", "slot__start", "slot__station__region__code", "id"
    )


def appointment_for(actor, pk) -> Appointment:
    return get_for_actor(
        Appointment.objects.select_related("slot__station", "item", "booked_by"),
        actor,
        roles.APPOINTMENTS,
        pk=pk,
    )


class AppointmentListCreate(GenericAPIView):
    """The bookings of the jurisdiction (GET), or book a place for a person (POST)."""

    serializer_class = AppointmentOut
    pagination_class = StandardPagination

    @extend_schema(
        tags=[TAG],
        operation_id="appointments_list",
        parameters=LIST_PARAMETERS,
        responses={
            200: AppointmentOut(many=True),
            400: OpenApiResponse(description="按字段的中文提示"),
        },
        description="辖区内的预约，按日期和时段排列；默认从今天起。每次列表访问记一条审计。",
    )
    def get(self, request):
        actor = request.user
        require_capability(actor, roles.APPOINTMENTS)
        params = request.query_params
        page = self.paginate_queryset(filter_appointments(actor, params))
        record_list(
            actor,
            APPOINTMENT_LIST_OBJECT,
            "预约列表（接口）",
            {k: params.get(k, "") for k in ("date", "from", "to", "station", "status", "page")},
        )
        return self.get_paginated_response(AppointmentOut(page, many=True).data)

    @extend_schema(
        tags=[TAG],
        operation_id="appointments_create",
        request=AppointmentBookIn,
        responses={
            201: AppointmentOut,
            400: OpenApiResponse(description="按字段的中文提示"),
            409: OpenApiResponse(description="该时段已约满"),
        },
        description="工作人员代为预约（电话或现场）：占用一个名额，名额已满时不超约（409）。",
    )
    def post(self, request):
        actor = request.user
        require_capability(actor, roles.APPOINTMENTS)
        data = read_input(AppointmentBookIn, request, actor=actor)
        with refusals(
            fields={errors.SLOT_PAST: "slot"},
            conflicts=(errors.SLOT_FULL,),
        ):
            booking = services.appointment_book(
                slot=data["slot"],
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                item=data["item"],
                note=data["note"],
                actor=actor,
            )
        booking = appointment_for(actor, booking.pk)
        return Response(AppointmentOut(booking).data, status=status.HTTP_201_CREATED)


class AppointmentObjectView(GenericAPIView):
    """An operation on one booking: looked up first for every method (404 outside)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.appointment = appointment_for(request.user, kwargs["pk"])

    @contextmanager
    def still_booked(self):
        """A refusal because the booking is already cancelled or dealt with is a 409; any
        other stays the service's own answer."""
        try:
            yield
        except DomainError as exc:
            self.appointment.refresh_from_db(fields=["status"])
            if self.appointment.status != AppointmentStatus.BOOKED:
                raise Conflict({"detail": str(exc)}) from exc
            raise

    def answer(self, request, pk, page: str) -> Response:
        booking = appointment_for(request.user, pk)
        record_view(request.user, booking, page)
        return Response(AppointmentOut(booking).data)


REFUSALS = {
    400: OpenApiResponse(description="按字段的中文提示"),
    404: OpenApiResponse(description="不在辖区内"),
    409: OpenApiResponse(description="已取消或已办理，或时段已约满"),
}


class AppointmentDetail(AppointmentObjectView):
    @extend_schema(
        tags=[TAG],
        operation_id="appointments_retrieve",
        responses={200: AppointmentOut, 404: OpenApiResponse(description="对象不存在或不在辖区内")},
        description="一条预约（脱敏），记审计。",
    )
    def get(self, request, pk):
        return self.answer(request, pk, "api:appointment-detail")


class AppointmentCancel(AppointmentObjectView):
    @extend_schema(
        tags=[TAG],
        request=None,
        responses={200: AppointmentOut, **REFUSALS},
        description="取消预约，释放名额。",
    )
    def post(self, request, pk):
        with self.still_booked():
            appointments_admin.appointment_cancel_by_staff(
                actor=request.user, appointment=self.appointment
            )
        return self.answer(request, pk, "api:appointment-cancel")


class AppointmentReschedule(AppointmentObjectView):
    @extend_schema(
        tags=[TAG],
        request=RescheduleIn,
        responses={200: AppointmentOut, **REFUSALS},
        description="改约到本站另一个尚未开始的时段：先占新名额，再释放原名额；预约码不变。",
    )
    def post(self, request, pk):
        data = read_input(RescheduleIn, request, actor=request.user)
        with (
            refusals(
                fields={
                    appointments_admin.SAME_SLOT: "slot",
                    appointments_admin.OTHER_STATION: "slot",
                    errors.SLOT_PAST: "slot",
                },
                conflicts=(errors.SLOT_FULL,),
            ),
            self.still_booked(),
        ):
            appointments_admin.appointment_move(
                actor=request.user, appointment=self.appointment, slot=data["slot"]
            )
        return self.answer(request, pk, "api:appointment-reschedule")


class AppointmentMark(AppointmentObjectView):
    @extend_schema(
        tags=[TAG],
        request=MarkIn,
        responses={200: AppointmentOut, **REFUSALS},
        description="标记已到达（预约当日起）或未到（时段开始后）。",
    )
    def post(self, request, pk):
        data = read_input(MarkIn, request)
        with refusals(default_field="status"), self.still_booked():
            appointments_admin.appointment_mark(
                actor=request.user, appointment=self.appointment, status=data["status"]
            )
        return self.answer(request, pk, "api:appointment-mark")


class SlotList(GenericAPIView):
    pagination_class = None  # a station's slots over at most 31 days: one bounded list

    @extend_schema(
        tags=[TAG],
        operation_id="appointment_slots_list",
        parameters=[
            OpenApiParameter("station", int, description="服务中心（站）id，默认本人所在站"),
            OpenApiParameter("from", dt.date, description="开始日期，默认今天"),
            OpenApiParameter("days", int, description="天数，默认 14，最多 31"),
            OpenApiParameter("open", bool, description="true：只列尚有名额的"),
        ],
        responses={
            200: SlotOut(many=True),
            404: OpenApiResponse(description="对象不存在或不在辖区内"),
        },
        description="一个服务站的预约时段及余量（预约、改约时选择时段用）。",
    )
    def get(self, request):
        actor = request.user
        require_capability(actor, roles.APPOINTMENTS)
        params = request.query_params
        station = rota_reads.pick_station(actor, roles.APPOINTMENTS, params.get("station"))
        if station is None:
            raise ValidationError({"station": [NO_STATION]})
        start = date_param(params, "from", today())
        days = int_param(params, "days") or 14
        if not 1 <= days <= SLOT_DAYS_MAX:
            raise ValidationError({"days": [SLOT_DAYS]})
        slots = selectors.slots_for(station, start, days).select_related("station")
        if params.get("open") in ("1", "true"):
            slots = slots.filter(booked__lt=F("capacity"))
        return Response(SlotOut(slots, many=True).data)
