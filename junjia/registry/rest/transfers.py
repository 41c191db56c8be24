"""File transfers between jurisdictions: ask, list, decide."""

from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from junjia.core.rest import ConflictOut, read_input, request_body
from junjia.orgs.api import get_for_actor, has_capability, require_capability
from junjia.registry import roles

from .. import selectors, services
from ..models import TransferRequest
from ..views import reads
from .serializers import (
    NOT_FOUND_BY_NUMBER,
    TRANSFER_TAG,
    TransferCreateIn,
    TransferDecideIn,
    TransferRequestedOut,
    TransfersOut,
    TransferToDecideOut,
)

# --- transfers -------------------------------------------------------------------------------


class TransferListCreate(GenericAPIView):
    @extend_schema(
        tags=[TRANSFER_TAG],
        responses=TransfersOut,
        description="本辖区提出的转移申请，以及等待本辖区审批的转移申请。",
    )
    def get(self, request):
        user = request.user
        if not any(has_capability(user, c) for c in (roles.TRANSFER, roles.REVIEW)):
            raise PermissionDenied("您没有执行此操作的权限。")
        found = selectors.transfers_for(user)
        prefetch_related_objects(found["to_decide"], "requested_by__station")
        reads.record_list_view(user, {"list": "transfers"})
        return Response(
            {
                "incoming": TransferRequestedOut(found["incoming"], many=True).data,
                "to_decide": TransferToDecideOut(found["to_decide"], many=True).data,
            }
        )

    @extend_schema(
        tags=[TRANSFER_TAG],
        request=TransferCreateIn,
        responses={201: TransferRequestedOut, 400: OpenApiResponse(description="中文提示")},
        description="迁入地申请把别处的档案转入本辖区（户籍迁移）。只透露档案所在服务站名称。",
    )
    def post(self, request):
        require_capability(request.user, roles.TRANSFER)
        incoming = TransferCreateIn(data=request_body(request), context={"actor": request.user})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        recipient = services.find_by_id_number(data["id_number"])
        if recipient is None:
            raise ValidationError({"id_number": [NOT_FOUND_BY_NUMBER]})
        transfer = services.transfer_request(
            actor=request.user,
            recipient=recipient,
            to_region=data["to_region"],
            reason=data["reason"],
        )
        return Response(TransferRequestedOut(transfer).data, status=status.HTTP_201_CREATED)


class TransferDecide(GenericAPIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Decided by the sending side or a level above both: the same rule as
        # services.can_decide_transfer, as a query (404 for anyone else).
        self.transfer = get_for_actor(
            TransferRequest.objects.select_related(
                "recipient", "from_region", "to_region", "requested_by__station"
            ),
            request.user,
            roles.REVIEW,
            field="from_key",
            pk=kwargs["pk"],
        )

    @extend_schema(
        tags=[TRANSFER_TAG],
        request=TransferDecideIn,
        responses={
            200: TransferToDecideOut,
            400: OpenApiResponse(description="拒绝时未填写理由（remark）"),
            409: OpenApiResponse(ConflictOut, description="该转移申请已处理"),
        },
        description="审批转移：同意则档案及其附属记录一次性迁入新辖区。",
    )
    def post(self, request, pk):
        data = read_input(TransferDecideIn, request)
        transfer = services.transfer_decide(actor=request.user, transfer=self.transfer, **data)
        return Response(TransferToDecideOut(transfer).data)
