"""Collection and review through the API: submit, approve, return, withdraw; change requests;
the review queue and the counts by category."""

from django.db.models import prefetch_related_objects
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
)
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from junjia.core.rest import ConflictOut, read_input
from junjia.orgs.api import require_capability
from junjia.registry import roles

from .. import selectors, services
from ..choices import (
    Category,
)
from ..models import ChangeRequest, Recipient
from ..views import reads
from .files import RecipientObjectView
from .serializers import (
    TAG,
    ChangeStatusOut,
    CountsOut,
    OptionalReasonIn,
    QueueChangeOut,
    ReasonIn,
    RecipientRowOut,
    RecipientStatusOut,
    RemarkIn,
    ReviewQueueOut,
)

# --- collection and review ------------------------------------------------------------------


def _status(pk) -> Response:
    return Response(RecipientStatusOut(Recipient.objects.get(pk=pk)).data)


def _change_status(change: ChangeRequest) -> Response:
    return Response(ChangeStatusOut(change).data)


REVIEW_RESPONSES = {
    200: RecipientStatusOut,
    400: OpenApiResponse(description="缺少必填内容（如退回原因），按字段的中文提示"),
    403: OpenApiResponse(description="没有所需权限，或不是该档案当前的审核层级"),
    409: OpenApiResponse(ConflictOut, description="当前状态不能执行此操作（附可执行的步骤）"),
}
CHANGE_RESPONSES = {**REVIEW_RESPONSES, 200: ChangeStatusOut}


class RecipientSubmit(RecipientObjectView):
    @extend_schema(tags=[TAG], request=None, responses=REVIEW_RESPONSES, description="提交审核。")
    def post(self, request, pk):
        require_capability(request.user, roles.EDIT)
        services.recipient_submit(actor=request.user, recipient=self.recipient)
        return _status(pk)


class RecipientApprove(RecipientObjectView):
    @extend_schema(
        tags=[TAG],
        request=RemarkIn,
        responses=REVIEW_RESPONSES,
        description="本级审核通过：未到最高审核层级时上报上一级，到最高层级时审核通过。",
    )
    def post(self, request, pk):
        require_capability(request.user, roles.REVIEW)
        data = read_input(RemarkIn, request)
        services.recipient_approve(actor=request.user, recipient=self.recipient, **data)
        return _status(pk)


class RecipientReturn(RecipientObjectView):
    @extend_schema(
        tags=[TAG], request=ReasonIn, responses=REVIEW_RESPONSES, description="退回（须填原因）。"
    )
    def post(self, request, pk):
        require_capability(request.user, roles.REVIEW)
        data = read_input(ReasonIn, request)
        services.recipient_return(actor=request.user, recipient=self.recipient, **data)
        return _status(pk)


class RecipientWithdraw(RecipientObjectView):
    @extend_schema(
        tags=[TAG],
        request=OptionalReasonIn,
        responses=REVIEW_RESPONSES,
        description="撤回未通过审核的档案（不提供删除）。",
    )
    def post(self, request, pk):
        require_capability(request.user, roles.EDIT)
        data = read_input(OptionalReasonIn, request)
        services.recipient_withdraw(actor=request.user, recipient=self.recipient, **data)
        return _status(pk)


class ChangeSubmit(RecipientObjectView):
    @extend_schema(
        tags=[TAG],
        request=OptionalReasonIn,
        responses=CHANGE_RESPONSES,
        description="提交变更申请。",
    )
    def post(self, request, pk):
        require_capability(request.user, roles.EDIT)
        data = read_input(OptionalReasonIn, request)
        change = services.change_submit(actor=request.user, recipient=self.recipient, **data)
        return _change_status(change)


class ChangeApprove(RecipientObjectView):
    @extend_schema(
        tags=[TAG],
        request=RemarkIn,
        responses=CHANGE_RESPONSES,
        description="本级审核通过变更；最高层级通过后变更生效。",
    )
    def post(self, request, pk):
        require_capability(request.user, roles.REVIEW)
        data = read_input(RemarkIn, request)
        change = services.change_approve(actor=request.user, recipient=self.recipient, **data)
        return _change_status(change)


class ChangeReturn(RecipientObjectView):
    @extend_schema(
        tags=[TAG],
        request=ReasonIn,
        responses=CHANGE_RESPONSES,
        description="退回变更（须填原因）。",
    )
    def post(self, request, pk):
        require_capability(request.user, roles.REVIEW)
        data = read_input(ReasonIn, request)
        change = services.change_return(actor=request.user, recipient=self.recipient, **data)
        return _change_status(change)


class ChangeWithdraw(RecipientObjectView):
    @extend_schema(
        tags=[TAG], request=None, responses=CHANGE_RESPONSES, description="撤回变更申请。"
    )
    def post(self, request, pk):
        require_capability(request.user, roles.EDIT)
        change = services.change_withdraw(actor=request.user, recipient=self.recipient)
        return _change_status(change)


class ReviewQueue(GenericAPIView):
    @extend_schema(
        tags=[TAG], responses=ReviewQueueOut, description="等待本级审核的档案和变更申请。"
    )
    def get(self, request):
        require_capability(request.user, roles.REVIEW)
        queue = selectors.review_queue(request.user)
        rows = queue["files"] + [c.recipient for c in queue["changes"]]
        prefetch_related_objects(rows, "categories")
        reads.record_list_view(request.user, {"list": "review_queue"})
        return Response(
            {
                "files": RecipientRowOut(queue["files"], many=True).data,
                "changes": QueueChangeOut(queue["changes"], many=True).data,
            }
        )


class CategoryCounts(GenericAPIView):
    @extend_schema(
        tags=[TAG],
        responses=CountsOut,
        description="辖区内按类别统计的在世、已通过审核的服务对象人数（县级以上一分钟内更新）。",
    )
    def get(self, request):
        require_capability(request.user, roles.VIEW)
        counts = selectors.category_counts(request.user)
        # category_counts keeps the order of Category.choices.
        return Response(
            {
                "categories": [
                    {"category": value, "label": label, "count": count}
                    for value, (label, count) in zip(Category.values, counts, strict=True)
                ]
                if counts
                else []
            }
        )
