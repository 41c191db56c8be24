"""/api/v1/petitions/: petitions within reach (content only where the caller may read it),
registering one (the repeat check merges a repeat into the first), one petition with its
steps and the steps the caller may take now, and /actions/ to take one — the same services,
scoping, restriction and audit as the pages."""

from django.core.exceptions import PermissionDenied
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from junjia.core import audit
from junjia.core.api_base import StandardPagination
from junjia.core.clock import today
from junjia.core.errors import NotPermitted
from junjia.core.models import AuditAction
from junjia.core.personal.serializers import IdNumberSerializerField, MobileSerializerField
from junjia.core.rest import read_input
from junjia.orgs.api import jurisdiction_of

from . import roles, selectors, services
from .choices import EXTEND, LEADER, Channel, MatterType, PetitionStatus, Satisfaction, ToldBy
from .permissions import can_read_content, get_petition_for_actor
from .views import NOT_A_READER, NOT_A_REGISTRAR, require

TAG = "信访"


class PetitionStepOut(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(source="actor.__str__")
    station_name = serializers.CharField()
    remark = serializers.CharField()


class AllowedOut(serializers.Serializer):
    to = serializers.CharField(help_text="目标状态，作为 actions 的 action")
    action = serializers.CharField()


class ContentOut(serializers.Serializer):
    channel = serializers.CharField()
    petitioner_name = serializers.CharField()
    petitioner_id_masked = serializers.CharField(help_text="身份证号码（脱敏）")
    recipient = serializers.IntegerField(source="recipient_id", allow_null=True)
    matter_type = serializers.CharField()
    matter = serializers.CharField()
    demands = serializers.CharField()
    is_group = serializers.BooleanField()
    people_count = serializers.IntegerField()
    representatives = serializers.CharField()
    skips_level = serializers.BooleanField()
    handling_station = serializers.CharField(source="handling_station.name")
    owner = serializers.CharField(source="owner.__str__", allow_null=True, default=None)
    leader = serializers.CharField(source="leader.__str__", allow_null=True, default=None)
    repeat_count = serializers.IntegerField()
    extension_days = serializers.IntegerField()
    transfer_department = serializers.CharField()
    reply = serializers.CharField()
    satisfaction = serializers.CharField()
    review_opinion = serializers.CharField()
    recheck_opinion = serializers.CharField()


class PetitionRowOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    received_on = serializers.DateField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    due_on = serializers.SerializerMethodField(help_text="正在计算的期限（自然日）")
    readable = serializers.BooleanField(help_text="false：仅显示存在，内容仅限办理人等查看")
    content = serializers.SerializerMethodField()

    def get_due_on(self, petition) -> str | None:
        running = petition.status in selectors.RUNNING
        return petition.due_on.isoformat() if running and petition.due_on else None

    @extend_schema_field(ContentOut(allow_null=True))
    def get_content(self, petition) -> dict | None:
        return ContentOut(petition).data if petition.readable else None


class PetitionOut(PetitionRowOut):
    steps = PetitionStepOut(many=True, allow_null=True)
    allowed = AllowedOut(many=True)


def _text(**kw):
    return serializers.CharField(required=False, allow_blank=True, default="", **kw)


class PetitionIn(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    received_on = serializers.DateField()
    id_number = IdNumberSerializerField()
    petitioner_name = serializers.CharField(max_length=50)
    phone = MobileSerializerField(required=False, allow_blank=True, default="")
    address = _text(max_length=200)
    matter_type = serializers.ChoiceField(choices=MatterType.choices)
    matter = serializers.CharField()
    demands = serializers.CharField()
    is_group = serializers.BooleanField(required=False, default=False)
    people_count = serializers.IntegerField(required=False, default=1, min_value=1, max_value=9999)
    representatives = _text(max_length=200)
    skips_level = serializers.BooleanField(required=False, default=False)


class RegisteredOut(PetitionOut):
    query_code = serializers.CharField(help_text="查询码：信访人凭它和身份证号码查询进度")
    merged_into = serializers.CharField(
        source="merged_into.number", allow_null=True, default=None, help_text="并入的首件编号"
    )


ACTIONS = [*PetitionStatus.values, EXTEND, LEADER]


class ActionIn(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=ACTIONS, help_text="目标状态（见 allowed），或 extend 延期、leader 指定包案领导"
    )
    told_by = serializers.ChoiceField(choices=ToldBy.choices, required=False)
    reason = _text(max_length=300)
    station = serializers.IntegerField(required=False, help_text="交办的下级服务站 id")
    department = _text(max_length=100)
    receipt = _text(max_length=100)
    result = _text()
    reply = _text()
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False)
    opinion = _text()
    days = serializers.IntegerField(required=False, min_value=1, max_value=366)
    leader = serializers.IntegerField(required=False, help_text="包案领导的用户 id")


def _detail(actor, petition, *, page: str) -> dict:
    readable = can_read_content(actor, petition)
    services.record_view(actor, petition, readable=readable, page=page)
    petition.readable = readable
    data = PetitionRowOut(petition).data
    steps = PetitionStepOut(selectors.steps_of(petition), many=True).data if readable else None
    data["steps"] = steps
    allowed = services.steps_for(actor, petition)
    data["allowed"] = [{"to": to, "action": action} for to, action in allowed]
    return data


class PetitionList(GenericAPIView):
    pagination_class = StandardPagination

    @extend_schema(
        tags=[TAG],
        operation_id="petitions_list",
        parameters=[
            OpenApiParameter("status", str, enum=PetitionStatus.values, description="状态"),
            OpenApiParameter("mine", bool, description="true：只看我办理的"),
        ],
        responses={200: PetitionRowOut(many=True)},
        description="辖区内的信访件，期限近的在前；内容仅限办理人、其负责人和辖区领导，"
        "其他人只见编号、日期和状态。每页记一条审计。",
    )
    def get(self, request):
        actor = request.user
        require(actor, roles.VIEW, NOT_A_READER)
        status = request.query_params.get("status", "").strip()
        if status and status not in PetitionStatus.values:
            return Response({"status": ["未知的状态。"]}, status=400)
        mine = request.query_params.get("mine", "").strip().lower() in ("1", "true")
        rows = selectors.work_list(actor, day=today(), status=status, only_mine=mine)
        page = self.paginate_queryset(rows)
        juris = jurisdiction_of(actor)
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="petitions.petition",
            region_key=juris.low if juris else None,
            extra={"page": "petitions.api", "ids": [p.pk for p in page]},
        )
        return self.get_paginated_response(PetitionRowOut(page, many=True).data)

    @extend_schema(
        tags=[TAG],
        operation_id="petitions_create",
        request=PetitionIn,
        responses={201: RegisteredOut},
        description="登记信访件（登记人为首办负责人）；同一信访人同一事项的重复信访并入首件"
        "（merged_into）；复核终结的事项以同一事实和理由再次提出的，不予登记并说明原因。",
    )
    def post(self, request):
        actor = request.user
        require(actor, roles.HANDLE, NOT_A_REGISTRAR)
        data = read_input(PetitionIn, request)
        petition, _ = services.petition_register(actor=actor, data=services.PetitionInput(**data))
        petition = get_petition_for_actor(actor, petition.pk)
        body = _detail(actor, petition, page="petitions.api.create")
        body["query_code"] = petition.query_code
        body["merged_into"] = petition.merged_into.number if petition.merged_into_id else None
        return Response(body, status=201)


class PetitionDetail(GenericAPIView):
    @extend_schema(
        tags=[TAG],
        operation_id="petitions_retrieve",
        responses={200: PetitionOut},
        description="一件信访件：可查看内容的，含办理步骤和当前可办理的操作；每次查看记审计。",
    )
    def get(self, request, pk):
        actor = request.user
        require(actor, roles.VIEW, NOT_A_READER)
        petition = get_petition_for_actor(actor, pk)
        return Response(_detail(actor, petition, page="petitions.api.detail"))


class PetitionAction(GenericAPIView):
    @extend_schema(
        tags=[TAG],
        operation_id="petitions_action",
        request=ActionIn,
        responses={200: PetitionOut},
        description="办理一步（受理、不予受理、交办、转送、上报、接办、办结、复查、复核、听证），"
        "或延期（extend，负责人批准一次）、指定包案领导（leader）。",
    )
    def post(self, request, pk):
        actor = request.user
        require(actor, roles.VIEW, NOT_A_READER)
        petition = get_petition_for_actor(actor, pk)
        data = read_input(ActionIn, request)
        action = data.pop("action")
        try:
            services.petition_act(actor=actor, petition=petition, action=action, data=data)
        except NotPermitted as exc:
            raise PermissionDenied(str(exc)) from exc
        petition = get_petition_for_actor(actor, pk)
        return Response(_detail(actor, petition, page="petitions.api.action"))


urlpatterns = [
    path("petitions/", PetitionList.as_view(), name="petition-list"),
    path("petitions/<int:pk>/", PetitionDetail.as_view(), name="petition-detail"),
    path("petitions/<int:pk>/actions/", PetitionAction.as_view(), name="petition-action"),
]
