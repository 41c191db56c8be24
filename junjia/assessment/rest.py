"""/api/v1/score-sheets/: the score sheets' versions (national data, with the loader's sum
check) and one version with its groups and rows word for word.

/api/v1/assessments/: the village stations' assessments within the caller's reach (a
township: its villages; a county: its townships'), one with the township's scores, saving
the township's scores (a draft) and submitting them to the county. The same services and
scoping as the pages; scores hold no personal data, reads are audited like the pages."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from junjia.core import audit
from junjia.core.api_base import StandardPagination
from junjia.core.models import AuditAction
from junjia.core.rest import read_input

from . import engine, errors, selectors, services
from .choices import ScoringKind
from .permissions import can_score, can_view, get_assessment_for_actor
from .scoring import ScoringInput

SHEET_TAG = "评分表"
TAG = "服务站考核"
NOT_A_READER = "您没有查看考核评估的权限。"


def _points(**kw):
    return serializers.DecimalField(max_digits=5, decimal_places=1, coerce_to_string=False, **kw)


def require_reader(actor) -> None:
    if not can_view(actor):
        raise PermissionDenied(NOT_A_READER)


class SheetVersionOut(serializers.Serializer):
    id = serializers.IntegerField()
    sheet = serializers.CharField(source="sheet.code", help_text="评分表编码")
    number = serializers.IntegerField(help_text="版本号")
    title = serializers.CharField()
    source = serializers.CharField(help_text="依据")
    declared_total = _points(help_text="表中所注总分值")
    rows_total = _points(help_text="各计分项分值合计（载入时核对）")
    sum_difference = _points(help_text="合计减所注总分值；0 为一致")
    bonus_cap = _points(help_text="加分上限")
    bonus_one_matter = serializers.BooleanField(help_text="同一事项只计最高加分")
    pass_mark = _points(help_text="达标分数线")
    pass_inclusive = serializers.BooleanField(help_text="true：达到分数线（含）即达标")
    score_step = _points(help_text="评分最小单位")
    notes = serializers.CharField(help_text="表注原文")
    loaded_at = serializers.DateTimeField()


class RowOut(serializers.Serializer):
    number = serializers.IntegerField()
    code = serializers.CharField(help_text="行编码，跨版本不变")
    standard = serializers.CharField(help_text="创建标准（原文）")
    kind = serializers.CharField(help_text="scored 计分项 / bonus 加分项 / veto 一票否决")
    points = _points(allow_null=True, help_text="分值；加分项为每个事项的最高加分")
    conditions = serializers.ListField(child=serializers.CharField(), help_text="否决情形")


class GroupOut(serializers.Serializer):
    order = serializers.IntegerField()
    label = serializers.CharField(help_text="项目（原文）")
    kind = serializers.CharField()
    cap = _points(allow_null=True, help_text="本组上限（加分项）")
    rows = RowOut(many=True)


class SheetVersionDetailOut(SheetVersionOut):
    groups = GroupOut(many=True)


class ScoreSheetList(GenericAPIView):
    pagination_class = None  # a handful of versions

    @extend_schema(
        tags=[SHEET_TAG],
        operation_id="score_sheets_list",
        responses={200: SheetVersionOut(many=True)},
        description="评分表的各个版本，含载入时对各项分值之和与所注总分值的核对。",
    )
    def get(self, request):
        require_reader(request.user)
        return Response(SheetVersionOut(selectors.sheet_versions(request.user), many=True).data)


class ScoreSheetDetail(GenericAPIView):
    @extend_schema(
        tags=[SHEET_TAG],
        operation_id="score_sheets_retrieve",
        responses={200: SheetVersionDetailOut},
        description="一个评分表版本：各项目及其评分项（原文）、加分项及上限、一票否决情形。",
    )
    def get(self, request, pk):
        require_reader(request.user)
        version = selectors.sheet_version(request.user, pk)
        if version is None:
            raise Http404("未找到该评分表版本。")
        data = SheetVersionOut(version).data
        data["groups"] = GroupOut(selectors.groups_of(version), many=True).data
        return Response(data)


# --- assessments -----------------------------------------------------------------------------


class AssessmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField(source="round_id", help_text="考核轮次")
    year = serializers.IntegerField(source="round.year")
    quarter = serializers.IntegerField(source="round.quarter")
    county = serializers.CharField(source="round.region_name")
    township = serializers.CharField(source="township_name")
    station = serializers.CharField(source="station_name")
    station_key = serializers.IntegerField(source="region_key", help_text="服务站区划键")
    status = serializers.CharField(
        help_text="scoring 乡镇评分中 / submitted 已报县级 / checked 已抽查复核"
    )
    total = _points(allow_null=True, help_text="报送的得分")
    passed = serializers.BooleanField(allow_null=True, help_text="达标")
    vetoed = serializers.BooleanField(help_text="一票否决")
    submitted_at = serializers.DateTimeField(allow_null=True)


class RowScoreOut(serializers.Serializer):
    number = serializers.IntegerField(source="row.number")
    score = _points()
    note = serializers.CharField(help_text="扣分说明")


class ClaimOut(serializers.Serializer):
    row = serializers.IntegerField(source="row.number", help_text="加分项序号")
    matter = serializers.CharField(help_text="事项")
    points = _points()
    counted = serializers.BooleanField(help_text="false：同一事项已有更高加分，不计入")


class ScoringOut(serializers.Serializer):
    kind = serializers.CharField(help_text="township 乡镇评分 / check 县级抽查复核")
    scored_at = serializers.DateTimeField()
    scored_total = _points(help_text="计分项得分")
    bonus_applied = _points(help_text="计入的加分（不超过上限）")
    total = _points(help_text="总得分")
    complete = serializers.BooleanField(help_text="各计分项均已评分")
    vetoed = serializers.BooleanField()
    passed = serializers.BooleanField()
    vetoes = serializers.ListField(child=serializers.IntegerField(), help_text="发生的否决情形")
    veto_note = serializers.CharField()
    rows = RowScoreOut(many=True)
    claims = ClaimOut(many=True)


class AssessmentDetailOut(AssessmentOut):
    sheet_version = serializers.IntegerField(source="round.version_id", help_text="评分表版本")
    scorings = ScoringOut(many=True, help_text="乡镇评分，及县级抽查复核（如有）")


class RowScoreIn(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=999, help_text="评分项序号")
    score = _points(min_value=0, help_text="得分（该项分值以内）")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500, help_text="扣分时必填"
    )


class ClaimIn(serializers.Serializer):
    row = serializers.IntegerField(min_value=1, max_value=999, help_text="加分项序号")
    points = _points(min_value=0)
    matter = serializers.CharField(max_length=200, help_text="事项：同一事项只计最高加分")


class ScoresIn(serializers.Serializer):
    rows = RowScoreIn(many=True, help_text="各评分项得分；未列出的项视为尚未评分")
    claims = ClaimIn(many=True, required=False, default=list)
    vetoes = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=99),
        required=False,
        default=list,
        help_text="发生的一票否决情形序号",
    )
    veto_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


def _detail(assessment) -> dict:
    data = AssessmentOut(assessment).data
    data["sheet_version"] = assessment.round.version_id
    data["scorings"] = ScoringOut(
        assessment.scorings.prefetch_related("rows__row", "claims__row").order_by("kind"),
        many=True,
    ).data
    return data


def _for_scorer(actor, pk):
    """The assessment, for staff of the township that scores it (404 out of reach)."""
    require_reader(actor)
    found = get_assessment_for_actor(actor, pk)
    if not can_score(actor, found):
        raise PermissionDenied(errors.NOT_SCORER)
    return found


def _audit_read(actor, assessment, page: str) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=assessment,
        region_key=assessment.region_key,
        extra={"page": page},
    )


class AssessmentList(GenericAPIView):
    pagination_class = StandardPagination

    @extend_schema(
        tags=[TAG],
        operation_id="assessments_list",
        parameters=[OpenApiParameter("round", int, description="只看该考核轮次")],
        responses={200: AssessmentOut(many=True)},
        description="调用者辖区内村（社区）服务站的考核：乡镇看本乡镇的村，县看各乡镇的。",
    )
    def get(self, request):
        require_reader(request.user)
        qs = selectors.assessments_for(request.user)
        raw = request.query_params.get("round", "").strip()
        if raw:
            if not raw.isdigit() or int(raw) >= 2**63:  # a database id never reaches 2⁶³
                return Response({"round": ["考核轮次应为数字 id。"]}, status=400)
            qs = qs.filter(round_id=int(raw))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(AssessmentOut(page, many=True).data)


class AssessmentDetail(GenericAPIView):
    @extend_schema(
        tags=[TAG],
        operation_id="assessments_retrieve",
        responses={200: AssessmentDetailOut},
        description="一个服务站的考核：状态、报送的得分，乡镇评分及县级抽查复核的逐项得分。",
    )
    def get(self, request, pk):
        actor = request.user
        require_reader(actor)
        found = get_assessment_for_actor(actor, pk)
        _audit_read(actor, found, "assessment.api.detail")
        return Response(_detail(found))


class AssessmentScores(GenericAPIView):
    @extend_schema(
        tags=[TAG],
        operation_id="assessments_scores",
        request=ScoresIn,
        responses={
            200: AssessmentDetailOut,
            400: OpenApiResponse(description="按评分项的中文提示（如 score_27、note_27）"),
        },
        description="保存乡镇对该村（社区）服务站的逐项评分（草稿，可多次保存）："
        "得分不超过该项分值，扣分须写说明；加分按事项，同一事项只计最高加分，合计不超过上限。",
    )
    def post(self, request, pk):
        actor = request.user
        found = _for_scorer(actor, pk)
        data = read_input(ScoresIn, request)
        entries = ScoringInput(
            scores={r["number"]: r["score"] for r in data["rows"]},
            notes={r["number"]: r["note"] for r in data["rows"]},
            claims=[engine.Claim(c["row"], c["points"], c["matter"]) for c in data["claims"]],
            vetoes=list(dict.fromkeys(data["vetoes"])),
            veto_note=data["veto_note"],
        )
        services.scoring_save(
            actor=actor, assessment=found, kind=ScoringKind.TOWNSHIP, data=entries
        )
        found = get_assessment_for_actor(actor, pk)
        return Response(_detail(found))


class AssessmentSubmit(GenericAPIView):
    @extend_schema(
        tags=[TAG],
        operation_id="assessments_submit",
        request=None,
        responses={
            200: AssessmentDetailOut,
            400: OpenApiResponse(description="评分未完成：指明尚未评分或缺少扣分说明的项"),
        },
        description="将乡镇评分报送县级服务中心（各项均已评分、扣分均有说明）。",
    )
    def post(self, request, pk):
        actor = request.user
        found = _for_scorer(actor, pk)
        services.assessment_submit(actor=actor, assessment=found)
        return Response(_detail(get_assessment_for_actor(actor, pk)))


urlpatterns = [
    path("score-sheets/", ScoreSheetList.as_view(), name="score-sheet-list"),
    path("score-sheets/<int:pk>/", ScoreSheetDetail.as_view(), name="score-sheet-detail"),
    path("assessments/", AssessmentList.as_view(), name="assessment-list"),
    path("assessments/<int:pk>/", AssessmentDetail.as_view(), name="assessment-detail"),
    path("assessments/<int:pk>/scores/", AssessmentScores.as_view(), name="assessment-scores"),
    path("assessments/<int:pk>/submit/", AssessmentSubmit.as_view(), name="assessment-submit"),
]
