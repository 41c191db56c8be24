"""What is done on a case through /api/v1/cases/{id}/…: the workflow actions (move, accept,
complete, refuse, withdraw), the materials re-check when the person returns, extensions and
the head's decision, the doorstep outcome and proxy hand-overs.

Each is one call of the same service as the case page; the service decides. Its refusal is
answered as: a transition the workflow table does not have → 409 with the current status and
what is allowed; someone who is not the handler → 403 naming the first handler; a broken rule
→ 400 under the field concerned."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from junjia.cases import roles
from junjia.core.errors import DomainError
from junjia.core.rest import read_input, request_body
from junjia.orgs.api import require_capability

from .. import errors, services
from ..choices import CaseStatus as S
from ..choices import Channel, ExtensionStatus, HandoverDirection
from ..models import Case
from .cases import (
    TAG,
    CaseOut,
    ExtensionOut,
    HandoverOut,
    case_for,
    case_response,
    received_from,
)
from .common import (
    Conflict,
    refusals,
)

NOT_RECHECKABLE = (
    "办件当前状态为“{status}”，不能重新核验材料（只有咨询、已接件、已一次性告知的可以）。"
)
NOT_DOORSTEP = "只有上门服务的办件可以登记上门办理情况。"
NOT_PROXY = "只有帮办、代办的办件可以登记材料交接。"
NO_SUCH_EXTENSION = "未找到该延期申请。"
EXTENSION_DECIDED = "该延期申请已处理。"


REFUSALS = {
    400: OpenApiResponse(description="规则未满足：按字段的中文提示"),
    403: OpenApiResponse(description="没有权限，或不是首办人/B 角/站长"),
    404: OpenApiResponse(description="不在辖区内"),
}
ACTION_RESPONSES = {
    200: CaseOut,
    **REFUSALS,
    409: OpenApiResponse(description="当前状态不能执行此操作"),
}
STATE_CONFLICT = {409: OpenApiResponse(description="当前状态不能执行此操作")}


def perform(actor, case: Case, to: str, data: dict) -> Case:
    """One workflow action through the service the case page calls for it; the kernel's
    typed refusal becomes 403 / 409 / 400 in junjia.core.rest."""
    if to == S.ACCEPTED:
        return services.case_accept(actor=actor, case=case)
    if to == S.INCOMPLETE:
        return services.case_mark_incomplete(actor=actor, case=case)
    if to == S.NOTICE_ISSUED:
        return services.case_issue_notice(actor=actor, case=case)
    if to == S.COMPLETED:
        return services.case_complete(actor=actor, case=case, result=data.get("result", ""))
    if to == S.REFUSED:
        return services.case_refuse(actor=actor, case=case, reason=data.get("reason", ""))
    return services.case_move(actor=actor, case=case, to=to, remark=data.get("remark", "").strip())


class CaseObjectView(GenericAPIView):
    """An operation on one case: the case is looked up for every method first, so a case
    outside the jurisdiction answers 404 whatever the method; then the capability (403)."""

    capability: str | None = roles.HANDLE

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.case = case_for(request.user, kwargs["pk"])
        if self.capability:
            require_capability(request.user, self.capability)

    def not_handler(self) -> str:
        return errors.NOT_HANDLER.format(owner=self.case.owner)


# --- the workflow ------------------------------------------------------------------------------


class MoveIn(serializers.Serializer):
    to = serializers.ChoiceField(
        choices=S.choices,
        help_text="目标状态（见办件详情的 allowed）",
        error_messages={
            "required": "请指定目标状态（to）。",
            "invalid_choice": "未知的目标状态“{input}”。",
        },
    )
    remark = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="说明"
    )
    result = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="办理结果（办结时必填）",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="不予受理的理由（不予受理时必填）",
    )


class ResultIn(serializers.Serializer):
    result = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="办理结果（必填）"
    )


class CaseReasonIn(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="不予受理的理由（必填）",
    )


class CaseRemarkIn(serializers.Serializer):
    remark = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000, help_text="说明"
    )


class CaseMove(CaseObjectView):
    @extend_schema(
        tags=[TAG],
        request=MoveIn,
        responses=ACTION_RESPONSES,
        description=(
            "按流程表推进办件：received 转为正式接件/补齐材料，incomplete 材料不全，"
            "notice_issued 出具一次性告知，accepted 受理（起算承诺时限），in_progress 开始办理"
            "（上报后为上级退回），sent_up 上报审批，completed 办结（须填 result），refused "
            "不予受理（须填 reason），withdrawn 申请人撤回。"
        ),
    )
    def post(self, request, pk):
        data = read_input(MoveIn, request)
        perform(request.user, self.case, data["to"], data)
        return case_response(request, pk, "api:case-move")


class CaseAccept(CaseObjectView):
    @extend_schema(
        tags=[TAG],
        request=None,
        responses=ACTION_RESPONSES,
        description="受理：材料须齐全；按工作日起算承诺办结日期。",
    )
    def post(self, request, pk):
        perform(request.user, self.case, S.ACCEPTED, {})
        return case_response(request, pk, "api:case-accept")


class CaseComplete(CaseObjectView):
    @extend_schema(
        tags=[TAG],
        request=ResultIn,
        responses=ACTION_RESPONSES,
        description="办结（须填办理结果）；下班后办结记为延时服务，并向申请人发送评价链接。",
    )
    def post(self, request, pk):
        perform(request.user, self.case, S.COMPLETED, read_input(ResultIn, request))
        return case_response(request, pk, "api:case-complete")


class CaseRefuse(CaseObjectView):
    @extend_schema(
        tags=[TAG],
        request=CaseReasonIn,
        responses=ACTION_RESPONSES,
        description="不予受理（须填理由，写入一次性告知单）。",
    )
    def post(self, request, pk):
        perform(request.user, self.case, S.REFUSED, read_input(CaseReasonIn, request))
        return case_response(request, pk, "api:case-refuse")


class CaseWithdraw(CaseObjectView):
    @extend_schema(
        tags=[TAG], request=CaseRemarkIn, responses=ACTION_RESPONSES, description="申请人撤回。"
    )
    def post(self, request, pk):
        perform(request.user, self.case, S.WITHDRAWN, read_input(CaseRemarkIn, request))
        return case_response(request, pk, "api:case-withdraw")


# --- materials ---------------------------------------------------------------------------------


class RecheckIn(serializers.Serializer):
    received = serializers.DictField(
        help_text="材料名称 → {state, note}；未列出的材料按“缺少”处理（限定类别的按类别判断）"
    )


class CaseRecheck(CaseObjectView):
    @extend_schema(
        tags=[TAG],
        request=RecheckIn,
        responses=ACTION_RESPONSES,
        description=(
            "补交材料 / 重新核验：申请人可找本站任何工作人员补交，办件仍由首办人负责并通知其"
            "继续办理（首办负责制）；已一次性告知的办件补齐后回到“已接件”。"
        ),
    )
    def post(self, request, pk):
        case = self.case
        if case.status not in services.RECHECK_STATUSES:
            raise Conflict(
                {
                    "detail": NOT_RECHECKABLE.format(status=case.get_status_display()),
                    "status": case.status,
                    "status_label": case.get_status_display(),
                    "allowed": [],
                }
            )
        received = received_from(
            case.item_version.materials,
            request_body(request).get("received"),
            current=case.materials,
        )
        services.case_recheck(actor=request.user, case=case, received=received)
        return case_response(request, pk, "api:case-materials")


# --- extensions --------------------------------------------------------------------------------


class ExtensionIn(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1,
        max_value=60,
        help_text="延长的工作日数（1–60）",
        error_messages={
            "required": "请填写延长的工作日数。",
            "invalid": "延长的工作日数应为整数。",
            "min_value": "延长的工作日数应在 1 到 60 之间。",
            "max_value": "延长的工作日数应在 1 到 60 之间。",
        },
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, help_text="延期理由（必填）"
    )


class CaseExtensionRequest(CaseObjectView):
    @extend_schema(
        tags=[TAG],
        request=ExtensionIn,
        responses={201: ExtensionOut, **REFUSALS, **STATE_CONFLICT},
        description="申请延期（已受理、办理中、上报审批中的办件；须填理由），待站长批准。",
    )
    def post(self, request, pk):
        data = read_input(ExtensionIn, request)
        with refusals(
            fields={errors.EXTENSION_REASON: "reason"},
            conflicts=(errors.NOT_IN_CLOCK,),
            forbidden=(self.not_handler(),),
        ):
            extension = services.extension_request(
                actor=request.user, case=self.case, days=data["days"], reason=data["reason"]
            )
        return Response(ExtensionOut(extension).data, status=status.HTTP_201_CREATED)


class DecideIn(serializers.Serializer):
    approve = serializers.BooleanField(
        help_text="true 批准，false 不批准",
        error_messages={
            "required": "请选择是否批准（approve）。",
            "invalid": "approve 应为 true 或 false。",
        },
    )


class CaseExtensionDecide(CaseObjectView):
    capability = None  # the service says who decides (the head): 403 with its message

    @extend_schema(
        tags=[TAG],
        request=DecideIn,
        responses={200: CaseOut, **REFUSALS, **STATE_CONFLICT},
        description="站长批准或不批准延期；批准后按工作日顺延承诺办结日期。",
    )
    def post(self, request, pk, extension):
        found = self.case.extensions.filter(pk=extension).first()
        if found is None:
            raise Http404(NO_SUCH_EXTENSION)
        data = read_input(DecideIn, request)
        try:
            services.extension_decide(actor=request.user, extension=found, approve=data["approve"])
        except DomainError as exc:
            if str(exc) == errors.EXTENSION_DECIDER:
                raise PermissionDenied(str(exc)) from exc
            found.refresh_from_db(fields=["status"])
            if found.status != ExtensionStatus.PENDING:
                raise Conflict({"detail": EXTENSION_DECIDED}) from exc
            raise
        return case_response(request, pk, "api:case-extension-decide")


# --- doorstep and proxy ------------------------------------------------------------------------


class DoorstepOutcomeIn(serializers.Serializer):
    outcome = serializers.CharField(
        max_length=2000,
        help_text="当场办结，或当场说明办理程序和时限",
        error_messages={"required": "请填写上门办理情况。", "blank": "请填写上门办理情况。"},
    )


class CaseDoorstep(CaseObjectView):
    @extend_schema(
        tags=[TAG],
        request=DoorstepOutcomeIn,
        responses={200: CaseOut, **REFUSALS, **STATE_CONFLICT},
        description="登记上门服务情况（上门渠道的办件）。",
    )
    def post(self, request, pk):
        if self.case.channel != Channel.DOORSTEP:
            raise Conflict({"detail": NOT_DOORSTEP})
        data = read_input(DoorstepOutcomeIn, request)
        with refusals(forbidden=(self.not_handler(),)):
            services.case_record_doorstep(
                actor=request.user, case=self.case, outcome=data["outcome"]
            )
        return case_response(request, pk, "api:case-doorstep")


class HandoverIn(serializers.Serializer):
    direction = serializers.ChoiceField(
        choices=HandoverDirection.choices,
        help_text="in 委托人交代办员 / out 代办员交还委托人",
        error_messages={
            "required": "请选择交接方向。",
            "invalid_choice": "交接方向应为 in 或 out。",
        },
    )
    items = serializers.ListField(
        child=serializers.CharField(max_length=100),
        max_length=50,
        help_text="材料清单，每项一行",
        error_messages={"required": "请填写交接的材料。", "empty": "请填写交接的材料。"},
        allow_empty=False,
    )
    counterpart = serializers.CharField(
        max_length=50,
        help_text="交接人（委托人或申请人）",
        error_messages={"required": "请填写交接人。", "blank": "请填写交接人。"},
    )


class CaseHandover(CaseObjectView):
    @extend_schema(
        tags=[TAG],
        request=HandoverIn,
        responses={201: HandoverOut, **REFUSALS, **STATE_CONFLICT},
        description="帮办代办：登记一次材料交接，生成回执编号（委托人与代办员签字用）。",
    )
    def post(self, request, pk):
        if self.case.channel not in (Channel.PROXY, Channel.ASSISTED):
            raise Conflict({"detail": NOT_PROXY})
        data = read_input(HandoverIn, request)
        with refusals(forbidden=(self.not_handler(),), default_field="items"):
            handover = services.handover_record(
                actor=request.user,
                case=self.case,
                direction=data["direction"],
                items=data["items"],
                counterpart=data["counterpart"],
            )
        return Response(HandoverOut(handover).data, status=status.HTTP_201_CREATED)
