"""/api/v1/service-items/: the public service catalogue (公开承诺制, 000 §7) — the current
version of each item and, for one item, every version it was published in."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from junjia.cases import roles
from junjia.orgs.api import Level, has_capability

from .. import selectors
from ..choices import Area
from ..models import ServiceItem

TAG = "服务事项"
NO_SUCH_ITEM = "没有该服务事项。"
NOT_A_READER = "您没有查看服务事项的权限。"
BAD_LEVEL = "层级应为 1（省）到 5（村、社区）。"


def require_reader(actor) -> None:
    # The same gate as the catalogue pages: case staff, or those who publish it.
    if not (has_capability(actor, roles.VIEW) or has_capability(actor, roles.CATALOGUE)):
        raise PermissionDenied(NOT_A_READER)


class MaterialSpecOut(serializers.Serializer):
    name = serializers.CharField()
    form = serializers.CharField(help_text="original 原件 / copy 复印件 / both 原件及复印件")
    count = serializers.IntegerField()
    categories = serializers.ListField(
        child=serializers.CharField(), help_text="只有这些类别的人需要；空表示人人需要"
    )
    note = serializers.CharField()


class ItemVersionOut(serializers.Serializer):
    number = serializers.IntegerField()
    legal_basis = serializers.CharField()
    conditions = serializers.CharField()
    materials = MaterialSpecOut(many=True)
    procedure = serializers.ListField(child=serializers.CharField())
    time_limit_days = serializers.IntegerField(help_text="承诺时限（工作日）")
    fee = serializers.CharField()
    complaint = serializers.CharField()
    published_at = serializers.DateTimeField()


class ServiceItemRowOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    area = serializers.CharField(help_text="领域代码")
    area_label = serializers.CharField(source="get_area_display")
    handling_levels = serializers.ListField(
        child=serializers.IntegerField(), help_text="办理层级 1 省 … 5 村（社区）"
    )
    is_active = serializers.BooleanField()
    version = serializers.IntegerField(source="current_version.number")
    time_limit_days = serializers.IntegerField(source="current_version.time_limit_days")


class ServiceItemOut(ServiceItemRowOut):
    current_version = ItemVersionOut()
    versions = ItemVersionOut(
        many=True, source="versions.all", help_text="历次发布的版本，新的在前"
    )


class ServiceItemList(GenericAPIView):
    pagination_class = None  # the catalogue in force: one bounded list

    @extend_schema(
        tags=[TAG],
        operation_id="service_items_list",
        parameters=[
            OpenApiParameter("level", int, enum=Level.values, description="只列该层级办理的"),
            OpenApiParameter("area", str, enum=Area.values, description="领域"),
            OpenApiParameter("q", str, description="事项名称（包含）"),
        ],
        responses={
            200: ServiceItemRowOut(many=True),
            403: OpenApiResponse(description="无权执行此操作"),
        },
        description="在用的服务事项及其当前版本（公开承诺制）。",
    )
    def get(self, request):
        require_reader(request.user)
        params = request.query_params
        level = params.get("level", "").strip()
        if level and not (level.isdigit() and int(level) in Level.values):
            raise ValidationError({"level": [BAD_LEVEL]})
        items = selectors.catalogue(int(level) if level else None)
        if area := params.get("area", "").strip():
            items = [i for i in items if i.area == area]
        if q := params.get("q", "").strip():
            items = [i for i in items if q in i.name]
        return Response(ServiceItemRowOut(items, many=True).data)


class ServiceItemDetail(GenericAPIView):
    @extend_schema(
        tags=[TAG],
        operation_id="service_items_retrieve",
        responses={200: ServiceItemOut, 404: OpenApiResponse(description="对象不存在或不在辖区内")},
        description="一个服务事项：当前版本的服务指南和历次版本（办件保留受理时的版本）。",
    )
    def get(self, request, code):
        require_reader(request.user)
        item = (
            ServiceItem.objects.filter(code=code, current_version__isnull=False)
            .select_related("current_version")
            .prefetch_related("versions")
            .first()
        )
        if item is None:
            raise Http404(NO_SUCH_ITEM)
        return Response(ServiceItemOut(item).data)
