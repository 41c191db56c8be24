"""/api/v1/evaluations/ (服务评价, 000 §9): the ratings of the caller's jurisdiction, a paper
form's rating entered by staff (the same service as 纸质评价录入), and one rating with where
its closed loop stands — 差评发现 → 问题核实 → 反馈整改 → 问题回访 → 改进提升."""

import datetime as dt

from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from junjia.cases import roles
from junjia.core.api_base import StandardPagination
from junjia.core.rest import read_input
from junjia.orgs.api import active_staff_of, get_for_actor, region_scope, require_capability

from .. import errors, services
from ..choices import LOOP_ORDER, SATISFIED_LEVELS, LoopStage, RatingChannel, Satisfaction
from ..models import Case, Evaluation, LoopRecord
from ..views import work_reads as reads
from .cases import CaseStationRef, LoopSummaryOut, loop_of
from .common import (
    Conflict,
    date_param,
    int_param,
    record_list,
    record_view,
    refusals,
)

TAG = "服务评价"
EVALUATION_LIST_OBJECT = "cases.evaluation_list"
NO_SUCH_CASE = "未找到该办件，或不在您的辖区内。"
LOOP_STATES = ["open", "closed", "none"]


# --- output ----------------------------------------------------------------------------------


class EvaluatedCaseRef(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    item = serializers.CharField(source="item_version.item.name")
    station = CaseStationRef()
    completed_at = serializers.DateTimeField(allow_null=True)


class EvaluationRowOut(serializers.Serializer):
    id = serializers.IntegerField()
    case = EvaluatedCaseRef()
    score = serializers.IntegerField(help_text="5 非常满意 … 1 非常不满意")
    score_label = serializers.CharField(source="get_score_display")
    satisfied = serializers.SerializerMethodField()
    comment = serializers.CharField()
    channel = serializers.CharField(help_text="qr 扫码 / window 窗口 / sms 短信 / paper 纸质")
    channel_label = serializers.CharField(source="get_channel_display")
    owner = serializers.CharField(source="owner.__str__", help_text="首办人")
    entered_by = serializers.CharField(
        source="entered_by.__str__", default=None, allow_null=True, help_text="纸质评价的录入人"
    )
    created_at = serializers.DateTimeField()
    loop = serializers.SerializerMethodField()

    def get_satisfied(self, evaluation) -> bool:
        """满意 or better; anything lower opens the closed loop."""
        return evaluation.score in SATISFIED_LEVELS

    @extend_schema_field(LoopSummaryOut(allow_null=True))
    def get_loop(self, evaluation):
        loop = loop_of(evaluation)
        return LoopSummaryOut(loop).data if loop else None


class StageOut(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    state = serializers.CharField(help_text="done 已完成 / current 当前 / todo 未到")


class LoopRecordOut(serializers.Serializer):
    stage = serializers.CharField()
    stage_label = serializers.CharField(source="get_stage_display")
    text = serializers.CharField()
    actor = serializers.CharField(source="actor.__str__")
    at = serializers.DateTimeField()


def stages_of(loop) -> list[dict]:
    """Each stage of the loop as done, current or still to come (a closed loop: all done)."""
    current = LOOP_ORDER.index(loop.stage)
    return [
        {
            "stage": stage.value,
            "label": stage.label,
            "state": "done" if i < current else ("current" if i == current else "todo"),
        }
        for i, stage in enumerate(LoopStage)
        if stage != LoopStage.CLOSED
    ]


class LoopOut(LoopSummaryOut):
    stages = serializers.SerializerMethodField()
    records = LoopRecordOut(many=True, source="records.all")

    @extend_schema_field(StageOut(many=True))
    def get_stages(self, loop):
        return stages_of(loop)


class EvaluationOut(EvaluationRowOut):
    """One rating with its closed loop: every stage, each stage's record, owner, due date."""

    loop = serializers.SerializerMethodField()

    @extend_schema_field(LoopOut(allow_null=True))
    def get_loop(self, evaluation):
        loop = loop_of(evaluation)
        return LoopOut(loop).data if loop else None


# --- input -----------------------------------------------------------------------------------


class PaperEvaluationIn(serializers.Serializer):
    """纸质评价表录入: the person's own rating, typed in by staff (as PaperEvaluationForm)."""

    case_number = serializers.CharField(
        max_length=30,
        help_text="办件编号（已办结、辖区内的办件）",
        error_messages={"required": "请填写办件编号。", "blank": "请填写办件编号。"},
    )
    score = serializers.ChoiceField(
        choices=Satisfaction.choices,
        help_text="5 非常满意 / 4 满意 / 3 基本满意 / 2 不满意 / 1 非常不满意",
        error_messages={
            "required": "请选择评价（1–5）。",
            "invalid_choice": "评价应为 1 到 5 之间的整数。",
        },
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=1000, help_text="意见建议"
    )

    def validate_case_number(self, raw):
        return raw.strip()


class LoopAdvanceIn(serializers.Serializer):
    """The record of the loop's current stage, and who owns the next one (as the loop page)."""

    record = serializers.CharField(
        max_length=2000,
        help_text="本环节记录",
        error_messages={
            "required": errors.LOOP_RECORD_REQUIRED,
            "blank": errors.LOOP_RECORD_REQUIRED,
        },
    )
    next_owner = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="下一环节责任人：本站在岗工作人员的 id；不填则不变（最后一环不用填）",
        error_messages={"invalid": errors.LOOP_OWNER_STATION},
    )


# --- views -----------------------------------------------------------------------------------


def evaluation_queryset():
    return Evaluation.objects.select_related(
        "case__item_version__item",
        "case__station",
        "owner",
        "entered_by",
        "loop__owner",
    )


def evaluation_for(actor, pk) -> Evaluation:
    return get_for_actor(
        evaluation_queryset().prefetch_related(
            Prefetch("loop__records", queryset=LoopRecord.objects.select_related("actor"))
        ),
        actor,
        roles.VIEW,
        pk=pk,
    )


def filter_evaluations(actor, params):
    qs = Evaluation.objects.filter(region_scope(actor, roles.VIEW))
    if (station := int_param(params, "station")) is not None:
        qs = qs.filter(case__station_id=station)
    if (score := int_param(params, "score")) is not None:
        qs = qs.filter(score=score)
    if params.get("below") in ("1", "true"):
        qs = qs.exclude(score__in=SATISFIED_LEVELS)
    loop = params.get("loop", "")
    if loop == "open":
        qs = qs.filter(loop__isnull=False).exclude(loop__stage=LoopStage.CLOSED)
    elif loop == "closed":
        qs = qs.filter(loop__stage=LoopStage.CLOSED)
    elif loop == "none":
        qs = qs.filter(loop__isnull=True)
    elif loop:
        raise ValidationError(
            {"loop": ["应为 open（整改中）、closed（已闭环）或 none（无整改）。"]}
        )
    if since := date_param(params, "since", None):
        qs = qs.filter(created_at__date__gte=since)
    if until := date_param(params, "until", None):
        qs = qs.filter(created_at__date__lte=until)
    if number := params.get("case", "").strip():
        qs = qs.filter(case__number=number)
    return qs.select_related(
        "case__item_version__item", "case__station", "owner", "entered_by", "loop__owner"
    ).order_by("-created_at", "-pk")


class EvaluationListCreate(GenericAPIView):
    serializer_class = EvaluationRowOut
    pagination_class = StandardPagination

    @extend_schema(
        tags=[TAG],
        operation_id="evaluations_list",
        parameters=[
            OpenApiParameter("station", int, description="服务中心（站）id"),
            OpenApiParameter("score", int, enum=Satisfaction.values, description="评价"),
            OpenApiParameter("below", bool, description="true：只列低于“满意”的"),
            OpenApiParameter("loop", str, enum=LOOP_STATES, description="差评整改状态"),
            OpenApiParameter("since", dt.date, description="评价日期起"),
            OpenApiParameter("until", dt.date, description="评价日期止（含）"),
            OpenApiParameter("case", str, description="办件编号"),
        ],
        responses={
            200: EvaluationRowOut(many=True),
            400: OpenApiResponse(description="按字段的中文提示"),
        },
        description="辖区内的服务评价，新的在前；每次列表访问记一条审计。",
    )
    def get(self, request):
        actor = request.user
        require_capability(actor, roles.VIEW)
        params = request.query_params
        page = self.paginate_queryset(filter_evaluations(actor, params))
        record_list(
            actor,
            EVALUATION_LIST_OBJECT,
            "服务评价列表（接口）",
            {
                k: params.get(k, "")
                for k in ("station", "score", "below", "loop", "since", "until", "case", "page")
            },
        )
        return self.get_paginated_response(EvaluationRowOut(page, many=True).data)

    @extend_schema(
        tags=[TAG],
        operation_id="evaluations_create",
        request=PaperEvaluationIn,
        responses={
            201: EvaluationOut,
            400: OpenApiResponse(description="按字段的中文提示"),
            409: OpenApiResponse(description="该办件已经评价过"),
        },
        description=(
            "纸质评价表录入：辖区内已办结办件的评价；低于“满意”时启动差评整改闭环，"
            "责任人为站长，按工作日计期限。"
        ),
    )
    def post(self, request):
        actor = request.user
        require_capability(actor, roles.HANDLE)
        data = read_input(PaperEvaluationIn, request)
        case = Case.objects.filter(
            region_scope(actor, roles.HANDLE), number=data["case_number"]
        ).first()
        if case is None:
            raise ValidationError({"case_number": [NO_SUCH_CASE]})
        with refusals(
            fields={errors.NOT_COMPLETED: "case_number"}, conflicts=(errors.ALREADY_RATED,)
        ):
            evaluation = services.evaluation_submit(
                case=case,
                score=int(data["score"]),
                comment=data["comment"],
                channel=RatingChannel.PAPER,
                entered_by=actor,
            )
        # The caller typed the rating in: answering it back is not a new showing to audit.
        return Response(
            EvaluationOut(evaluation_for(actor, evaluation.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class EvaluationDetail(GenericAPIView):
    @extend_schema(
        tags=[TAG],
        operation_id="evaluations_retrieve",
        responses={200: EvaluationOut, 404: OpenApiResponse(description="对象不存在或不在辖区内")},
        description="一条评价及其差评整改闭环（各环节、记录、责任人、期限）；记审计。",
    )
    def get(self, request, pk):
        evaluation = evaluation_for(request.user, pk)
        record_view(
            request.user,
            evaluation,
            "api:evaluation-detail",
            subject_id=reads.subject_of(evaluation.case),
        )
        return Response(EvaluationOut(evaluation).data)


class EvaluationLoopAdvance(GenericAPIView):
    def initial(self, request, *args, **kwargs):
        # The rating is looked up for every method first: outside the jurisdiction, 404.
        super().initial(request, *args, **kwargs)
        self.evaluation = evaluation_for(request.user, kwargs["pk"])

    @extend_schema(
        tags=[TAG],
        operation_id="evaluations_loop_advance",
        request=LoopAdvanceIn,
        responses={
            200: EvaluationOut,
            400: OpenApiResponse(description="按字段的中文提示"),
            403: OpenApiResponse(description="只有责任人或站长可以推进"),
            404: OpenApiResponse(description="对象不存在或不在辖区内"),
            409: OpenApiResponse(description="没有整改，或已闭环"),
        },
        description=(
            "推进差评整改闭环：记录当前环节，进入下一环节——差评发现 → 问题核实 → "
            "反馈整改 → 问题回访 → 改进提升 → 闭环。责任人或站长可办；下一环节的期限按工作日"
            "计算。"
        ),
    )
    def post(self, request, pk):
        actor, evaluation = request.user, self.evaluation
        loop = loop_of(evaluation)
        if loop is None:
            raise Conflict({"detail": errors.LOOP_NONE})
        # Who and when before what: the body is read only for someone who may move it on.
        refusal = services.loop_refusal(actor, loop)
        if refusal == errors.LOOP_NOT_YOURS:
            raise PermissionDenied(refusal)
        if refusal:
            raise Conflict({"detail": refusal})
        data = read_input(LoopAdvanceIn, request)
        next_owner = None
        final = services.loop_next_stage(loop) == LoopStage.CLOSED
        if data.get("next_owner") is not None and not final:
            next_owner = (
                active_staff_of(evaluation.case.station).filter(pk=data["next_owner"]).first()
            )
            if next_owner is None:
                raise ValidationError({"next_owner": [errors.LOOP_OWNER_STATION]})
        with refusals(
            fields={errors.LOOP_RECORD_REQUIRED: "record"},
            conflicts=(errors.LOOP_CLOSED,),
            forbidden=(errors.LOOP_NOT_YOURS,),
        ):
            services.loop_advance(
                actor=actor, loop=loop, record=data["record"], next_owner=next_owner
            )
        # The loop as it now stands; the service wrote the audit row of the change.
        return Response(EvaluationOut(evaluation_for(actor, pk)).data)
