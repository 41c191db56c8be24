"""/api/v1/visit-rules/: the visit rules the caller may see (the national ones, those of the
regions above and those made within the jurisdiction), each with its current version, and
one rule with every version it was published in. The same selectors and scoping as the
pages; rules hold no personal data."""

from django.core.exceptions import PermissionDenied
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from junjia.orgs.api import has_capability

from . import roles, selectors
from .permissions import get_rule_for_actor

TAG = "走访慰问规则"
NOT_A_READER = "您没有查看走访慰问规则的权限。"


def require_reader(actor) -> None:
    if not (has_capability(actor, roles.VIEW) or has_capability(actor, roles.RULES)):
        raise PermissionDenied(NOT_A_READER)


class VisitErrorOut(serializers.Serializer):
    detail = serializers.CharField()


class RuleVersionOut(serializers.Serializer):
    number = serializers.IntegerField()
    source = serializers.CharField(help_text="依据：文件及条款")
    description = serializers.CharField()
    subject = serializers.CharField(help_text="living 在世 / deceased 去世（慰问家属）")
    categories = serializers.ListField(
        child=serializers.CharField(), help_text="服务对象类别（任一）"
    )
    flags = serializers.ListField(child=serializers.CharField(), help_text="标记（任一）")
    merits = serializers.ListField(child=serializers.CharField(), help_text="立功受奖（任一）")
    pension = serializers.BooleanField(help_text="享受抚恤定补")
    min_age = serializers.IntegerField(allow_null=True)
    timing = serializers.CharField(
        help_text="fixed_date 固定日期 / lunar_date 农历节日 / anniversary 个人纪念日 / "
        "event 事件后限期 / frequency 每年至少若干次"
    )
    month = serializers.IntegerField(allow_null=True)
    day = serializers.IntegerField(allow_null=True)
    anchor = serializers.CharField(help_text="起算日期")
    event_kind = serializers.CharField(help_text="事件（起算日期为登记的事件时）")
    days_before = serializers.IntegerField()
    days_after = serializers.IntegerField()
    months_after = serializers.IntegerField()
    times_per_year = serializers.IntegerField(allow_null=True)
    responsible_level = serializers.IntegerField(help_text="责任层级 3 县 / 4 乡镇 / 5 村")
    record_items = serializers.ListField(child=serializers.CharField(), help_text="记录须包含")
    contact_counts = serializers.CharField(help_text="home 仅入户 / any 电话、走访、座谈均计入")
    published_at = serializers.DateTimeField()


class RuleRowOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    owner_name = serializers.CharField(help_text="制定单位；全国（依据文件）为种子规则")
    retired_at = serializers.DateTimeField(allow_null=True)
    retire_reason = serializers.CharField()
    current_version = RuleVersionOut()


class RuleOut(RuleRowOut):
    versions = RuleVersionOut(many=True, help_text="历次版本，新的在前")


class VisitRuleList(GenericAPIView):
    pagination_class = None  # the rules in force: one bounded list

    @extend_schema(
        tags=[TAG],
        operation_id="visit_rules_list",
        parameters=[
            OpenApiParameter("retired", bool, description="true：含已停用的规则"),
        ],
        responses={200: RuleRowOut(many=True), 403: OpenApiResponse(VisitErrorOut)},
        description="调用者可见的走访慰问规则及其现行版本。",
    )
    def get(self, request):
        require_reader(request.user)
        retired = request.query_params.get("retired", "").strip().lower() in ("1", "true")
        rules = selectors.rules_for(request.user, retired=retired)
        return Response(RuleRowOut(rules, many=True).data)


class VisitRuleDetail(GenericAPIView):
    @extend_schema(
        tags=[TAG],
        operation_id="visit_rules_retrieve",
        responses={
            200: RuleOut,
            403: OpenApiResponse(VisitErrorOut),
            404: OpenApiResponse(VisitErrorOut),
        },
        description="一条走访慰问规则：现行版本和历次版本（走访计划保留生成时的版本）。",
    )
    def get(self, request, code):
        require_reader(request.user)
        rule = get_rule_for_actor(request.user, code)
        data = RuleRowOut(rule).data
        data["versions"] = RuleVersionOut(selectors.rule_versions(rule), many=True).data
        return Response(data)


urlpatterns = [
    path("visit-rules/", VisitRuleList.as_view(), name="visit-rule-list"),
    path("visit-rules/<slug:code>/", VisitRuleDetail.as_view(), name="visit-rule-detail"),
]
