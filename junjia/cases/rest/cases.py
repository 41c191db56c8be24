"""/api/v1/cases/: the cases of the caller's jurisdiction (list), opening a case (接件, the
same form and materials check as the page), and one case with everything the case page shows.

Answers carry masked identity numbers and phones only; every list and every showing of a
case is one audit row."""

from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from junjia.cases import roles
from junjia.core.api_base import StandardPagination
from junjia.core.rest import form_errors, request_body
from junjia.core.workdays import UnknownCalendarYear, add_working_days, calendar_of
from junjia.orgs.api import get_for_actor, require_capability

from .. import errors, selectors, services
from ..choices import CLOCK_STATUSES, SOON_DAYS, CaseStatus, MaterialState
from ..forms import CaseOpenForm, MaterialsCheckForm
from ..models import Callback, Case, CaseStep, Extension, Handover
from ..permissions import case_scope
from ..views import work_reads as reads
from .common import (
    int_param,
    record_list,
    record_view,
    refusals,
    today,
)

TAG = "办件"
CASE_LIST_OBJECT = "cases.case_list"
NO_STATION = "您不属于任何服务中心（站），不能接件。"
NO_SUCH_ITEM = "没有该服务事项，或本级不办理该事项。"
UNKNOWN_MATERIAL = "该事项没有名为“{name}”的材料。"
BAD_MATERIAL_ROW = '应为 {{"state": …, "note": …}}，或只写状态。'
RECEIVED_NOT_AN_OBJECT = "received 应为对象：材料名称 → {state, note}。"
RECEIVED_HELP = (
    "材料名称 → {state, note}（state：ok 齐全 / missing 缺少 / defective 有误（须写 note）/ "
    "not_needed 不适用）。未列出的材料按“缺少”处理；限定类别的材料未列出时按服务对象的类别判断。"
)


# --- output ----------------------------------------------------------------------------------


class CaseStationRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CaseUserRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class CaseItemRef(serializers.Serializer):
    code = serializers.CharField(source="item.code")
    name = serializers.CharField(source="item.name")
    version = serializers.IntegerField(source="number", help_text="受理时的事项版本")
    time_limit_days = serializers.IntegerField(help_text="承诺时限（工作日）")


class ApplicantOut(serializers.Serializer):
    """The applicant, masked: the registry file's values when the person is on file."""

    name = serializers.CharField()
    id_masked = serializers.CharField(help_text="110101********123X；未登记时为空")
    phone_masked = serializers.CharField(help_text="138****5678；未登记时为空")
    recipient = serializers.IntegerField(allow_null=True, help_text="服务对象档案 id（已建档时）")


def applicant_of(case: Case) -> dict:
    recipient = case.recipient
    if recipient is not None:
        return {
            "name": recipient.name,
            "id_masked": recipient.id_masked,
            "phone_masked": case.applicant_phone_masked or recipient.phone_masked,
            "recipient": recipient.pk,
        }
    return {
        "name": case.applicant_name,
        "id_masked": case.applicant_id_masked,
        "phone_masked": case.applicant_phone_masked,
        "recipient": None,
    }


class CaseRowOut(serializers.Serializer):
    """One case in a list."""

    id = serializers.IntegerField()
    number = serializers.CharField(help_text="办件编号")
    item = CaseItemRef(source="item_version")
    status = serializers.CharField(help_text="状态代码，见 CaseStatus")
    status_label = serializers.CharField(source="get_status_display")
    channel = serializers.CharField(
        help_text="window / phone / online / doorstep / assisted / proxy"
    )
    channel_label = serializers.CharField(source="get_channel_display")
    applicant = serializers.SerializerMethodField()
    station = CaseStationRef()
    owner = CaseUserRef(help_text="首办人")
    accepted_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True, help_text="承诺办结日期（按工作日计算）")
    due_on_estimated = serializers.SerializerMethodField(
        help_text="承诺办结日期落在节假日安排尚未公布的年份：暂按法定节假日估算，公布录入后自动重算"
    )
    overdue = serializers.SerializerMethodField()
    extended_days = serializers.IntegerField(help_text="已批准延长的工作日")
    completed_at = serializers.DateTimeField(allow_null=True)
    delay_service = serializers.BooleanField(help_text="下班后办结的延时服务")
    created_at = serializers.DateTimeField()

    @extend_schema_field(ApplicantOut)
    def get_applicant(self, case):
        return applicant_of(case)

    def get_overdue(self, case) -> bool:
        return bool(case.status in CLOCK_STATUSES and case.due_on and case.due_on < today())

    def get_due_on_estimated(self, case) -> bool:
        # one calendar per request (a page of cases reads the official years once, whatever
        # its rows: the query count does not depend on which cases have a due date)
        calendar = calendar_of(self.context.get("request") or self.root)
        calendar.known_years()
        return calendar.is_estimate(case.due_on)


class MaterialCheckOut(serializers.Serializer):
    name = serializers.CharField()
    form = serializers.CharField()
    count = serializers.IntegerField()
    state = serializers.CharField(help_text="ok / missing / defective / not_needed")
    state_label = serializers.SerializerMethodField()
    note = serializers.CharField()

    def get_state_label(self, row) -> str:
        return MaterialState(row["state"]).label


class CaseStepOut(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(source="actor.__str__")
    at = serializers.DateTimeField()
    remark = serializers.CharField()


class ExtensionOut(serializers.Serializer):
    id = serializers.IntegerField()
    days = serializers.IntegerField()
    reason = serializers.CharField()
    status = serializers.CharField(help_text="pending / approved / rejected")
    status_label = serializers.CharField(source="get_status_display")
    requested_by = serializers.CharField(source="requested_by.__str__")
    requested_at = serializers.DateTimeField()
    decided_by = serializers.CharField(source="decided_by.__str__", default=None, allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class HandoverOut(serializers.Serializer):
    id = serializers.IntegerField()
    direction = serializers.CharField(help_text="in 委托人交代办员 / out 代办员交还委托人")
    direction_label = serializers.CharField(source="get_direction_display")
    items = serializers.ListField(child=serializers.CharField())
    counterpart = serializers.CharField()
    receipt_no = serializers.CharField(help_text="交接回执编号")
    clerk = serializers.CharField(source="clerk.__str__")
    at = serializers.DateTimeField()


class CallbackOut(serializers.Serializer):
    id = serializers.IntegerField()
    due_on = serializers.DateField()
    method = serializers.CharField()
    status = serializers.CharField(help_text="due / done / follow_up")
    status_label = serializers.CharField(source="get_status_display")
    outcome = serializers.CharField()
    satisfaction = serializers.IntegerField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)


class LoopSummaryOut(serializers.Serializer):
    """Where the closed loop of a rating below 满意 stands (000 §9)."""

    id = serializers.IntegerField()
    stage = serializers.CharField(help_text="found / verify / rectify / revisit / improve / closed")
    stage_label = serializers.CharField(source="get_stage_display")
    owner = serializers.CharField(source="owner.__str__", help_text="本环节责任人")
    due_on = serializers.DateField(help_text="本环节期限")
    overdue = serializers.SerializerMethodField()
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_overdue(self, loop) -> bool:
        return loop.closed_at is None and loop.due_on < today()


def loop_of(evaluation):
    return getattr(evaluation, "loop", None) if evaluation is not None else None


class CaseEvaluationOut(serializers.Serializer):
    id = serializers.IntegerField()
    score = serializers.IntegerField(help_text="5 非常满意 … 1 非常不满意")
    score_label = serializers.CharField(source="get_score_display")
    comment = serializers.CharField()
    channel = serializers.CharField(help_text="qr / window / sms / paper")
    channel_label = serializers.CharField(source="get_channel_display")
    created_at = serializers.DateTimeField()
    loop = serializers.SerializerMethodField()

    @extend_schema_field(LoopSummaryOut(allow_null=True))
    def get_loop(self, evaluation):
        loop = loop_of(evaluation)
        return LoopSummaryOut(loop).data if loop else None


class NeededOut(serializers.Serializer):
    name = serializers.CharField()
    form_label = serializers.CharField()
    count = serializers.IntegerField()
    category_labels = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField(default="")


class DefectOut(serializers.Serializer):
    name = serializers.CharField()
    note = serializers.CharField(default="")


class ContactOut(serializers.Serializer):
    """联系服务卡: the first handler and the station."""

    clerk = serializers.CharField()
    office_phone = serializers.CharField()
    station = serializers.CharField()
    station_phone = serializers.CharField()


class NoticeOut(serializers.Serializer):
    """一次性告知 (000 §7): the remit, every material needed, the time limit, what is missing
    or wrong, or the reason for refusal — in one go, as the printed notice."""

    within_remit = serializers.BooleanField()
    level_ok = serializers.BooleanField(help_text="本级是否办理该事项")
    handling_levels = serializers.ListField(child=serializers.CharField())
    needed = NeededOut(many=True)
    time_limit_days = serializers.IntegerField()
    missing = DefectOut(many=True)
    defective = DefectOut(many=True)
    complete = serializers.BooleanField()
    refused = serializers.BooleanField()
    refusal_reason = serializers.CharField()
    contact = ContactOut()


def notice_of(case: Case) -> dict:
    content = reads.notice_content(case)
    card = reads.contact_card(case)
    return {
        **content,
        "contact": {
            "clerk": str(card["clerk"]),
            "office_phone": card["office_phone"] or "",
            "station": card["station"].name,
            "station_phone": card["station_phone"] or "",
        },
    }


class TransitionOut(serializers.Serializer):
    to = serializers.CharField(help_text="目标状态")
    label = serializers.CharField(help_text="目标状态名称")
    action = serializers.CharField(help_text="操作名称")


class DoorstepOut(serializers.Serializer):
    condition = serializers.CharField(source="doorstep_condition")
    at = serializers.DateTimeField(source="doorstep_at", allow_null=True)
    place = serializers.CharField(source="doorstep_place")
    outcome = serializers.CharField(source="doorstep_outcome")


class ProxyOut(serializers.Serializer):
    requester = serializers.CharField(source="proxy_requester")
    relationship = serializers.CharField(source="proxy_relationship")
    authorisation = serializers.CharField(source="proxy_authorisation")


class CaseOut(CaseRowOut):
    """A whole case: the materials check and the one-time notice, doorstep and proxy details,
    what may happen next and who may do it, the history of every step, extensions,
    hand-overs, callbacks and the evaluation with its closed loop."""

    materials = MaterialCheckOut(many=True)
    outside_remit = serializers.BooleanField()
    refusal_reason = serializers.CharField()
    result = serializers.CharField()
    window = serializers.CharField(source="window.name", default=None, allow_null=True)
    doorstep = DoorstepOut(source="*")
    proxy = ProxyOut(source="*")
    notice = serializers.SerializerMethodField()
    allowed = serializers.SerializerMethodField()
    handlers = serializers.SerializerMethodField()
    can_handle = serializers.SerializerMethodField()
    history = CaseStepOut(many=True, source="steps.all")
    extensions = ExtensionOut(many=True, source="extensions.all")
    handovers = HandoverOut(many=True, source="handovers.all")
    callbacks = CallbackOut(many=True, source="callbacks.all")
    evaluation = serializers.SerializerMethodField()

    @extend_schema_field(NoticeOut)
    def get_notice(self, case):
        return NoticeOut(notice_of(case)).data

    @extend_schema_field(TransitionOut(many=True))
    def get_allowed(self, case):
        """The statuses the caller may move the case to now (the same answer as the page's
        buttons: the workflow table, the caller's rights and the rules on the case)."""
        actor = self.context["actor"]
        return [
            {"to": to, "label": CaseStatus(to).label, "action": transition.action}
            for to, transition in services.case_actions(actor, case)
        ]

    def get_handlers(self, case) -> list[int]:
        """Who may handle it today: the first handler, and their B while they are away."""
        return sorted(services.current_handler_ids(case, today()))

    def get_can_handle(self, case) -> bool:
        """Whether the caller may act on the case (first handler, B standing in, the head)."""
        actor = self.context.get("actor")
        return actor is not None and services.can_handle(actor, case)

    @extend_schema_field(CaseEvaluationOut(allow_null=True))
    def get_evaluation(self, case):
        evaluation = getattr(case, "evaluation", None)
        return CaseEvaluationOut(evaluation).data if evaluation else None


# --- reads -----------------------------------------------------------------------------------


def case_queryset():
    """A case with everything its page shows, in a fixed number of queries."""
    return Case.objects.select_related(
        "item_version__item",
        "station__region",
        "owner",
        "recipient",
        "window",
        "evaluation__loop__owner",
    ).prefetch_related(
        Prefetch("steps", queryset=CaseStep.objects.select_related("actor").order_by("at", "id")),
        Prefetch(
            "extensions",
            queryset=Extension.objects.select_related("requested_by", "decided_by").order_by(
                "requested_at", "id"
            ),
        ),
        Prefetch("handovers", queryset=Handover.objects.select_related("clerk").order_by("at")),
        Prefetch("callbacks", queryset=Callback.objects.order_by("due_on", "id")),
    )


def case_for(actor, pk) -> Case:
    """The case if the actor may see it (cases.view in their jurisdiction), else 404."""
    return get_for_actor(case_queryset(), actor, roles.VIEW, pk=pk)


def case_data(actor, pk) -> dict:
    return CaseOut(case_for(actor, pk), context={"actor": actor}).data


def case_response(request, pk, page: str) -> Response:
    """The whole case as it is now, masked; every showing of a case is one audit row."""
    case = case_for(request.user, pk)
    record_view(request.user, case, page, subject_id=reads.subject_of(case))
    return Response(CaseOut(case, context={"actor": request.user}).data)


def _matching(q: str) -> Q:
    # As the work list's search box: a number (or its tail), else the applicant's name.
    if q.replace("-", "").isdigit():
        return Q(number=q) | Q(number__endswith=q)
    return Q(applicant_name__contains=q)


def filter_cases(actor, params):
    """The list's filters. overdue / due soon as the deadline watch defines them: clock
    running, due before today / within 2 working days."""
    day = today()
    if params.get("owner", "") not in ("", "me"):
        raise ValidationError({"owner": ["只支持 owner=me（我的办件及我代办的办件）。"]})
    if params.get("owner") == "me":
        qs = selectors.my_work(actor, day)
    else:
        qs = Case.objects.filter(case_scope(actor)).order_by("-created_at", "-pk")
    if value := params.get("status", ""):
        if value not in CaseStatus.values:
            raise ValidationError({"status": [f"未知的状态“{value}”。"]})
        qs = qs.filter(status=value)
    due = params.get("due", "")
    if due:
        clocked = qs.filter(status__in=CLOCK_STATUSES)
        if due == "overdue":
            qs = clocked.filter(due_on__lt=day)
        elif due == "soon":
            try:
                soon = add_working_days(day, SOON_DAYS)
            except UnknownCalendarYear as exc:
                raise ValidationError({"due": [str(exc)]}) from exc
            qs = clocked.filter(due_on__gte=day, due_on__lte=soon)
        else:
            raise ValidationError({"due": ["应为 overdue（已超期）或 soon（两个工作日内到期）。"]})
        if params.get("owner") != "me":
            qs = qs.order_by(F("due_on").asc(nulls_last=True), "pk")
    if (station := int_param(params, "station")) is not None:
        qs = qs.filter(station_id=station)
    if q := params.get("q", "").strip():
        qs = qs.filter(_matching(q))
    return qs.select_related("item_version__item", "owner", "station", "recipient")


# --- input ------------------------------------------------------------------------------------


class CaseOpenIn(serializers.Serializer):
    """The fields of the 接件 page; validated by the page's own form."""

    item = serializers.CharField(help_text="服务事项编码（本级办理的事项）")
    channel = serializers.CharField(
        help_text=(
            "window 窗口 / phone 电话 / online 网上 / doorstep 上门 / assisted 帮办 / proxy 代办"
        )
    )
    recipient = serializers.IntegerField(
        required=False, allow_null=True, help_text="服务对象档案 id（已建档时；姓名取自档案）"
    )
    applicant_name = serializers.CharField(required=False, help_text="未建档来人的姓名")
    applicant_id = serializers.CharField(required=False, help_text="未建档来人的身份证号码")
    applicant_phone = serializers.CharField(required=False, help_text="手机号码（办结短信、评价）")
    received = serializers.DictField(required=False, help_text=RECEIVED_HELP)
    consultation = serializers.BooleanField(required=False, help_text="仅咨询（不正式接件）")
    outside_remit = serializers.BooleanField(required=False, help_text="不属于本大厅职权范围")
    doorstep_condition = serializers.CharField(
        required=False, help_text="上门原因（渠道为上门时必填）"
    )
    doorstep_at = serializers.DateTimeField(required=False, help_text="约定上门时间")
    doorstep_place = serializers.CharField(required=False, help_text="约定地点")
    proxy_requester = serializers.CharField(required=False, help_text="委托人（代办时必填）")
    proxy_relationship = serializers.CharField(required=False, help_text="与申请人关系")
    proxy_authorisation = serializers.CharField(
        required=False, help_text="委托书/授权说明（代办时必填）"
    )


def received_from(materials: list[dict], raw, current: list[dict] | None = None) -> dict:
    """{material name: {state, note}} checked by the page's materials form (defective needs
    a note; unknown states refused); errors come back under "received" by material name."""
    if raw in (None, ""):
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationError({"received": [RECEIVED_NOT_AN_OBJECT]})
    names = [m["name"] for m in materials]
    problems = {name: [UNKNOWN_MATERIAL.format(name=name)] for name in raw if name not in names}
    data = {}
    for i, name in enumerate(names):
        row = raw.get(name)
        if row is None:
            continue
        if isinstance(row, str):
            row = {"state": row}
        if not isinstance(row, dict):
            problems[name] = [BAD_MATERIAL_ROW]
            continue
        data[f"state_{i}"] = row.get("state") or ""
        data[f"note_{i}"] = row.get("note") or ""
    if problems:
        raise ValidationError({"received": problems})
    form = MaterialsCheckForm(data, materials=materials, current=current)
    if not form.is_valid():
        for key, messages in form_errors(form).items():
            # state_3 / note_3 → the fourth material's name
            row = key.rpartition("_")[2]
            name = names[int(row)] if row.isdigit() else "non_field_errors"
            problems.setdefault(name, []).extend(messages)
        raise ValidationError({"received": problems})
    return form.received()


def _form_data(data: dict) -> dict:
    # The page's form takes its own datetime-local format; accept ISO 8601 from the API.
    raw = data.get("doorstep_at")
    if isinstance(raw, str) and (moment := parse_datetime(raw.strip())) is not None:
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        data["doorstep_at"] = f"{moment:%Y-%m-%dT%H:%M}"
    for name in ("consultation", "outside_remit"):
        if data.get(name) in (None, "", False, "false", "0"):
            data.pop(name, None)
    if data.get("recipient") is None:
        data.pop("recipient", None)
    return data


# --- views -----------------------------------------------------------------------------------

LIST_PARAMETERS = [
    OpenApiParameter("status", str, enum=CaseStatus.values, description="状态"),
    OpenApiParameter(
        "owner",
        str,
        enum=["me"],
        description="me：我的待办（本人首办的未办结办件，及 A 角休假期间由我代办的），到期早的在前",
    ),
    OpenApiParameter(
        "due", str, enum=["overdue", "soon"], description="overdue 已超期；soon 两个工作日内到期"
    ),
    OpenApiParameter("station", int, description="服务中心（站）id"),
    OpenApiParameter("q", str, description="办件编号（或其尾号）或申请人姓名"),
]


class CaseListCreate(GenericAPIView):
    """The cases of the caller's jurisdiction (GET), or open a case (POST)."""

    serializer_class = CaseRowOut
    pagination_class = StandardPagination

    @extend_schema(
        tags=[TAG],
        operation_id="cases_list",
        parameters=LIST_PARAMETERS,
        responses={
            200: CaseRowOut(many=True),
            400: OpenApiResponse(description="按字段的中文提示"),
        },
        description="辖区内的办件，新的在前（按到期筛选时到期早的在前）；每次列表访问记一条审计。",
    )
    def get(self, request):
        actor = request.user
        require_capability(actor, roles.VIEW)
        params = request.query_params
        page = self.paginate_queryset(filter_cases(actor, params))
        record_list(
            actor,
            CASE_LIST_OBJECT,
            "办件列表（接口）",
            {k: params.get(k, "") for k in ("status", "owner", "due", "station", "q", "page")},
        )
        return self.get_paginated_response(CaseRowOut(page, many=True).data)

    @extend_schema(
        tags=[TAG],
        operation_id="cases_create",
        request=CaseOpenIn,
        responses={
            201: CaseOut,
            400: OpenApiResponse(description="按字段的中文提示"),
            403: OpenApiResponse(description="无权执行此操作"),
        },
        description=(
            "接件或咨询登记：在本人所在服务站开办件，本人为首办人；材料按事项清单核验。"
            "已建档的传 recipient，未建档来人传姓名（及身份证号码、手机号码）。"
        ),
    )
    def post(self, request):
        actor = request.user
        require_capability(actor, roles.HANDLE)
        if not actor.station_id:
            raise PermissionDenied(NO_STATION)
        items = selectors.catalogue(actor.station.region.level)
        by_code = {i.code: i for i in items}
        data = request_body(request)
        raw_received = data.pop("received", None)
        form = CaseOpenForm(data=_form_data(data), items=items, actor=actor)
        problems = {} if form.is_valid() else form_errors(form)
        item = by_code.get(str(data.get("item") or ""))
        if item is None:
            problems["item"] = [NO_SUCH_ITEM]
        else:
            try:
                received = received_from(item.current_version.materials, raw_received)
            except ValidationError as exc:
                problems.update(exc.detail)
        if problems:
            raise ValidationError(problems)
        with refusals(
            fields={
                errors.DOORSTEP_CONDITION: "doorstep_condition",
                errors.PROXY_AUTHORISATION: "proxy_authorisation",
            }
        ):
            case = services.case_open(actor=actor, received=received, **form.service_kwargs())
        # The caller typed these details: answering them back is not a new showing to audit.
        return Response(case_data(actor, case.pk), status=status.HTTP_201_CREATED)


class CaseDetail(GenericAPIView):
    @extend_schema(
        tags=[TAG],
        operation_id="cases_retrieve",
        responses={200: CaseOut, 404: OpenApiResponse(description="不在辖区内")},
        description="一个办件：材料核验、一次性告知、办理记录、延期、交接、回访和评价；记审计。",
    )
    def get(self, request, pk):
        return case_response(request, pk, "api:case-detail")
