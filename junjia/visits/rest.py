"""/api/v1/visit-rules/: the visit rules the caller may see (the national ones, those of the
regions above and those made within the jurisdiction), each with its current version, and
one rule with every version it was published in. The same selectors and scoping as the
pages; rules hold no personal data.

/api/v1/visits/: visits recorded within reach, recording one (idempotent with the client key),
one visit.

/api/v1/visit-campaigns/: the campaigns the caller may see; generating one (county level
and above: answered 202 with the job that generates its members); one campaign with its
counts per station; its members within the caller's reach (masked, every page audited)."""

from django.core.exceptions import PermissionDenied
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from junjia.core import audit
from junjia.core.api_base import StandardPagination
from junjia.core.errors import InvalidInput
from junjia.core.models import AuditAction
from junjia.core.rest import read_input
from junjia.orgs.api import has_capability, jurisdiction_of
from junjia.registry.api import get_recipient_for_actor

from . import errors, roles, selectors, services
from .campaign_views import MEMBERS_PAGE, campaign_input, record_members_view
from .choices import SITUATIONS, VisitHow
from .models import CampaignMember
from .permissions import (
    can_make_campaigns,
    get_campaign_for_actor,
    get_rule_for_actor,
    get_visit_for_actor,
    member_scope,
)
from .recording import VisitInput, eligible_visitors, visit_record

TAG = "走访慰问规则"
NOT_A_READER = "您没有查看走访慰问规则的权限。"


def require_reader(actor) -> None:
    if not (has_capability(actor, roles.VIEW) or has_capability(actor, roles.RULES)):
        raise PermissionDenied(NOT_A_READER)


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
        responses={200: RuleRowOut(many=True)},
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
        },
        description="一条走访慰问规则：现行版本和历次版本（走访计划保留生成时的版本）。",
    )
    def get(self, request, code):
        require_reader(request.user)
        rule = get_rule_for_actor(request.user, code)
        data = RuleRowOut(rule).data
        data["versions"] = RuleVersionOut(selectors.rule_versions(rule), many=True).data
        return Response(data)


# --- campaigns -------------------------------------------------------------------------------

CAMPAIGN_TAG = "走访计划"


class JobOut(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField(help_text="queued 排队中 / running 进行中 / succeeded / failed")
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    message = serializers.CharField()


class CampaignOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    region_name = serializers.CharField(help_text="辖区")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    status = serializers.CharField(
        help_text="draft 待生成 / generated 已生成 / open 走访中 / closed 已结束"
    )
    member_count = serializers.IntegerField()
    generated_at = serializers.DateTimeField(allow_null=True)
    job = JobOut(allow_null=True, help_text="生成名单的后台任务")


class CampaignRuleOut(serializers.Serializer):
    rule = serializers.CharField(help_text="规则编码")
    name = serializers.CharField()
    version = serializers.IntegerField(help_text="生成时的版本")


class StationCountOut(serializers.Serializer):
    station_key = serializers.IntegerField(help_text="服务站所在区划的键")
    name = serializers.CharField()
    members = serializers.IntegerField()
    visited = serializers.IntegerField()
    county = serializers.IntegerField(help_text="县级负责")
    township = serializers.IntegerField(help_text="乡镇负责")
    village = serializers.IntegerField(help_text="村（社区）负责")


class CampaignDetailOut(CampaignOut):
    rules = CampaignRuleOut(many=True)
    stations = StationCountOut(many=True, help_text="调用者辖区内各服务站")


class CampaignIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    rules = serializers.ListField(
        child=serializers.CharField(max_length=40), help_text="规则编码", allow_empty=False
    )


class ReasonOut(serializers.Serializer):
    rule = serializers.CharField()
    version = serializers.IntegerField()
    opens = serializers.DateField()
    closes = serializers.DateField()


class MemberOut(serializers.Serializer):
    id = serializers.IntegerField()
    recipient_id = serializers.IntegerField()
    name = serializers.CharField(source="recipient.name")
    id_number = serializers.CharField(source="recipient.id_masked", help_text="脱敏")
    station_key = serializers.IntegerField()
    responsible_level = serializers.IntegerField(help_text="3 县 / 4 乡镇 / 5 村")
    reasons = ReasonOut(many=True)
    opens = serializers.DateField()
    closes = serializers.DateField()
    visit_state = serializers.CharField(help_text="due 待走访 / visited 已走访")
    still_due = serializers.BooleanField(help_text="false：已不符合条件，因已走访而保留")


def _campaign_data(campaign) -> dict:
    return CampaignOut(campaign).data


def require_campaign_reader(actor) -> None:
    if not has_capability(actor, roles.VIEW):
        raise PermissionDenied("您没有查看走访计划的权限。")


class VisitCampaignList(GenericAPIView):
    pagination_class = StandardPagination

    @extend_schema(
        tags=[CAMPAIGN_TAG],
        operation_id="visit_campaigns_list",
        responses={200: CampaignOut(many=True)},
        description="调用者可见的走访计划：覆盖其辖区的和其辖区内的。",
    )
    def get(self, request):
        require_campaign_reader(request.user)
        page = self.paginate_queryset(selectors.campaigns_for(request.user).select_related("job"))
        return self.get_paginated_response(CampaignOut(page, many=True).data)

    @extend_schema(
        tags=[CAMPAIGN_TAG],
        operation_id="visit_campaigns_create",
        request=CampaignIn,
        responses={
            202: CampaignOut,
            400: OpenApiResponse(description="按字段的中文提示"),
        },
        description="为本单位辖区生成走访计划（县级及以上）：按所选规则的现行版本，"
        "名单由后台任务生成，返回计划及其任务（job），进度见计划详情。",
    )
    def post(self, request):
        actor = request.user
        if not can_make_campaigns(actor):
            raise PermissionDenied(errors.NOT_CAMPAIGN_MAKER)
        data = read_input(CampaignIn, request)
        campaign = services.campaign_create(actor=actor, **campaign_input(data))
        campaign.refresh_from_db()
        return Response(_campaign_data(campaign), status=202)


class VisitCampaignDetail(GenericAPIView):
    @extend_schema(
        tags=[CAMPAIGN_TAG],
        operation_id="visit_campaigns_retrieve",
        responses={
            200: CampaignDetailOut,
        },
        description="一个走访计划：生成时的规则版本、生成进度和调用者辖区内各服务站的人数。",
    )
    def get(self, request, pk):
        actor = request.user
        require_campaign_reader(actor)
        campaign = get_campaign_for_actor(actor, pk)
        data = _campaign_data(campaign)
        data["rules"] = [
            {"rule": code, "name": r["name"], "version": r["version"]}
            for code, r in selectors.campaign_reasons(campaign).items()
        ]
        data["stations"] = StationCountOut(
            selectors.station_counts(actor, campaign), many=True
        ).data
        return Response(data)


class VisitCampaignMembers(GenericAPIView):
    pagination_class = StandardPagination

    @extend_schema(
        tags=[CAMPAIGN_TAG],
        operation_id="visit_campaigns_members",
        parameters=[OpenApiParameter("station", int, description="只看该服务站（区划键）")],
        responses={
            200: MemberOut(many=True),
        },
        description="计划中调用者辖区内的应走访人员（身份证号码脱敏），每次访问记一条审计。",
    )
    def get(self, request, pk):
        actor = request.user
        require_campaign_reader(actor)
        campaign = get_campaign_for_actor(actor, pk)
        raw = request.query_params.get("station", "").strip()
        if raw and not raw.isdigit():
            return Response({"station": ["服务站应为区划键（数字）。"]}, status=400)
        station = int(raw) if raw else None
        page = self.paginate_queryset(selectors.members_of(actor, campaign, station_key=station))
        record_members_view(
            actor, campaign, station, self.paginator.page.number, page=MEMBERS_PAGE + ".api"
        )
        return self.get_paginated_response(MemberOut(page, many=True).data)


urlpatterns = [
    path("visit-rules/", VisitRuleList.as_view(), name="visit-rule-list"),
    path("visit-rules/<slug:code>/", VisitRuleDetail.as_view(), name="visit-rule-detail"),
    path("visit-campaigns/", VisitCampaignList.as_view(), name="visit-campaign-list"),
    path("visit-campaigns/<int:pk>/", VisitCampaignDetail.as_view(), name="visit-campaign-detail"),
    path(
        "visit-campaigns/<int:pk>/members/",
        VisitCampaignMembers.as_view(),
        name="visit-campaign-members",
    ),
]


# --- visits (走访记录) ----------------------------------------------------------------------

VISIT_TAG = "走访记录"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class VisitOut(serializers.Serializer):
    id = serializers.IntegerField()
    recipient_id = serializers.IntegerField()
    name = serializers.CharField(source="recipient.name")
    id_number = serializers.CharField(source="recipient.id_masked", help_text="脱敏")
    station_key = serializers.IntegerField(help_text="所属服务站（区划键）")
    member_id = serializers.IntegerField(allow_null=True, help_text="走访计划人员")
    campaign_id = serializers.IntegerField(allow_null=True)
    counted = serializers.BooleanField(help_text="是否计入走访计划（电话联系仅在规则允许时计入）")
    visited_at = serializers.DateTimeField()
    how = serializers.CharField(help_text="home 入户走访 / phone 电话 / video 视频 / meeting 座谈")
    met = serializers.CharField(help_text="接待人")
    visitors = serializers.SerializerMethodField(help_text="走访的工作人员（用户 id）")
    volunteer_visitors = serializers.CharField(help_text="志愿者等其他走访人员")
    service_situation = serializers.CharField()
    family_situation = serializers.CharField()
    health_situation = serializers.CharField()
    income_situation = serializers.CharField()
    employment_situation = serializers.CharField()
    thoughts_situation = serializers.CharField()
    needs_situation = serializers.CharField()
    needs_found = serializers.CharField()
    money_fen = serializers.IntegerField(help_text="慰问金（分）")
    budget_line = serializers.CharField(help_text="经费来源")
    goods = serializers.CharField(help_text="慰问品")
    client_key = serializers.CharField(help_text="客户端幂等键")
    created_at = serializers.DateTimeField()

    def get_visitors(self, visit) -> list[int]:
        return [u.pk for u in visit.visitors.all()]


def _text(**kw):
    return serializers.CharField(required=False, allow_blank=True, default="", **kw)


class VisitIn(serializers.Serializer):
    recipient = serializers.IntegerField(help_text="服务对象档案 id")
    member = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="走访计划人员 id（可选）"
    )
    visited_at = serializers.DateTimeField()
    how = serializers.ChoiceField(choices=VisitHow.choices)
    met = serializers.CharField(max_length=100)
    visitors = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text="工作人员 id"
    )
    volunteer_visitors = _text(max_length=200)
    service_situation = _text()
    family_situation = _text()
    health_situation = _text()
    income_situation = _text()
    employment_situation = _text()
    thoughts_situation = _text()
    needs_situation = _text()
    needs_found = _text()
    money_fen = serializers.IntegerField(required=False, default=0, help_text="慰问金（分）")
    budget_line = _text(max_length=100)
    goods = _text(max_length=200)
    client_key = _text(
        max_length=64, help_text="幂等键；也可放在请求头 Idempotency-Key。同一用户同一键只记一次"
    )


def _visit_input(actor, recipient, data: dict, key: str) -> VisitInput:
    wanted = list(dict.fromkeys(data["visitors"]))
    users = {u.pk: u for u in eligible_visitors(recipient).filter(pk__in=wanted)}
    for pk in wanted:
        if pk not in users:
            raise InvalidInput(errors.BAD_VISITOR.format(name=pk), field="visitors")
    return VisitInput(
        visited_at=data["visited_at"],
        how=data["how"],
        met=data["met"],
        visitors=[users[pk] for pk in wanted],
        volunteer_visitors=data["volunteer_visitors"],
        situations={name: data[name] for name, _ in SITUATIONS},
        needs_found=data["needs_found"],
        money_fen=data["money_fen"],
        budget_line=data["budget_line"],
        goods=data["goods"],
        client_key=key,
    )


class VisitList(GenericAPIView):
    pagination_class = StandardPagination

    @extend_schema(
        tags=[VISIT_TAG],
        operation_id="visits_list",
        parameters=[OpenApiParameter("recipient", int, description="只看该服务对象")],
        responses={200: VisitOut(many=True)},
        description="调用者辖区内的走访记录（身份证号码脱敏），新的在前；每页记一条审计。",
    )
    def get(self, request):
        actor = request.user
        require_campaign_reader(actor)
        qs = selectors.visits_for(actor)
        raw = request.query_params.get("recipient", "").strip()
        if raw:
            if not raw.isdigit():
                return Response({"recipient": ["服务对象应为档案 id（数字）。"]}, status=400)
            qs = qs.filter(recipient_id=int(raw))
        page = self.paginate_queryset(qs)
        juris = jurisdiction_of(actor)
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="visits.visit",
            region_key=juris.low if juris else None,
            extra={"page": "visits.api", "page_no": self.paginator.page.number},
        )
        return self.get_paginated_response(VisitOut(page, many=True).data)

    @extend_schema(
        tags=[VISIT_TAG],
        operation_id="visits_create",
        request=VisitIn,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                location=OpenApiParameter.HEADER,
                required=False,
                description="幂等键（或请求体 client_key）：同一用户再次提交同一键，"
                "返回第一次的记录（200），不再写入",
            )
        ],
        responses={
            201: VisitOut,
            200: OpenApiResponse(VisitOut, description="同一幂等键已记录过：返回第一次的记录"),
            400: OpenApiResponse(description="按字段的中文提示"),
        },
        description="记录一次走访：属于未结束的走访计划人员时标记为已走访"
        "（电话、视频、座谈仅在规则允许时计入）。",
    )
    def post(self, request):
        actor = request.user
        require_campaign_reader(actor)
        data = read_input(VisitIn, request)
        key = (request.headers.get(IDEMPOTENCY_HEADER) or data["client_key"] or "").strip()
        recipient = get_recipient_for_actor(actor, data["recipient"])
        member = None
        if data["member"] is not None:
            member = CampaignMember.objects.filter(member_scope(actor), pk=data["member"]).first()
            if member is None:
                raise InvalidInput("未找到该走访计划人员，或不在您的辖区内。", field="member")
        visit, created = visit_record(
            actor=actor,
            recipient=recipient,
            data=_visit_input(actor, recipient, data, key),
            member=member,
        )
        visit = get_visit_for_actor(actor, visit.pk) if not created else visit
        return Response(VisitOut(visit).data, status=201 if created else 200)


class VisitDetail(GenericAPIView):
    @extend_schema(
        tags=[VISIT_TAG],
        operation_id="visits_retrieve",
        responses={
            200: VisitOut,
        },
        description="一次走访记录（身份证号码脱敏），每次访问记一条审计。",
    )
    def get(self, request, pk):
        actor = request.user
        require_campaign_reader(actor)
        visit = get_visit_for_actor(actor, pk)
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            obj=visit,
            region_key=visit.region_key,
            extra={"page": "visits.api.detail"},
        )
        return Response(VisitOut(visit).data)


urlpatterns += [
    path("visits/", VisitList.as_view(), name="visit-list"),
    path("visits/<int:pk>/", VisitDetail.as_view(), name="visit-detail"),
]


# --- coverage (覆盖情况) ---------------------------------------------------------------------

COVERAGE_TAG = "走访覆盖情况"
REGION_PARAM = OpenApiParameter(
    "region", str, description="区划代码（省市县 6 位、乡村 12 位）；默认为调用者辖区"
)


class _LineOut(serializers.Serializer):
    code = serializers.CharField(help_text="区划代码")
    name = serializers.CharField()
    level = serializers.IntegerField(help_text="1 省 / 2 市 / 3 县 / 4 乡镇 / 5 村")
    direct = serializers.BooleanField(help_text="true：登记在本级区划、不属于任何下级的人员")


class CoverageLineOut(_LineOut):
    due = serializers.IntegerField(help_text="应走访（含已走访）")
    visited = serializers.IntegerField(help_text="已走访")
    not_yet = serializers.IntegerField(help_text="未走访")
    overdue = serializers.IntegerField(help_text="已逾期：走访窗口已过仍未走访")
    rate = serializers.FloatField(allow_null=True, help_text="覆盖率（%），应走访为 0 时为空")


class ContactLineOut(_LineOut):
    living = serializers.IntegerField(help_text="在世服务对象")
    with_contact = serializers.IntegerField(help_text="有联系责任人")
    contact_rate = serializers.FloatField(allow_null=True, help_text="责任人落实率（%）")
    reached = serializers.IntegerField(help_text="今年联系达到规定次数")
    rate = serializers.FloatField(allow_null=True, help_text="联系达标率（%）")


class _DrillOut(serializers.Serializer):
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="数据更新时间（每分钟更新）；空：正在统计"
    )
    stale = serializers.BooleanField(help_text="true：统计超过一分钟未更新")
    path = serializers.ListField(
        child=serializers.CharField(), help_text="从调用者辖区到本区划的名称"
    )


class CampaignCoverageOut(_DrillOut):
    campaign = serializers.IntegerField()
    region = CoverageLineOut()
    children = CoverageLineOut(many=True, help_text="下级区划，直到村（社区）服务站")


class ContactCoverageOut(_DrillOut):
    year = serializers.IntegerField()
    target = serializers.IntegerField(help_text="每年至少联系次数（联系全覆盖规则）")
    region = ContactLineOut()
    children = ContactLineOut(many=True)


def _line(row, fields) -> dict:
    data = {"code": row.code, "name": row.name, "level": row.level, "direct": row.direct}
    return data | {f: getattr(row, f) for f in fields}


def _drill_data(drill, fields) -> dict:
    return {
        "computed_at": drill.stamp,
        "stale": drill.stale,
        "path": [p.name for p in drill.path],
        "region": _line(drill.node, fields),
        "children": [_line(c, fields) for c in drill.children],
    }


class CampaignCoverage(GenericAPIView):
    @extend_schema(
        tags=[COVERAGE_TAG],
        operation_id="visit_campaigns_coverage",
        parameters=[REGION_PARAM],
        responses={200: CampaignCoverageOut},
        description="走访计划在一个区划的覆盖情况及其下级区划（调用者辖区内；"
        "统计每分钟更新）。未走访人员名单见 members 接口。",
    )
    def get(self, request, pk):
        actor = request.user
        require_campaign_reader(actor)
        campaign = get_campaign_for_actor(actor, pk)
        region = request.query_params.get("region", "").strip()
        drill = selectors.campaign_coverage(actor, campaign, region)
        fields = ("due", "visited", "not_yet", "overdue", "rate")
        data = {"campaign": campaign.pk} | _drill_data(drill, fields)
        return Response(CampaignCoverageOut(data).data)


class ContactCoverage(GenericAPIView):
    @extend_schema(
        tags=[COVERAGE_TAG],
        operation_id="contact_coverage",
        parameters=[REGION_PARAM],
        responses={200: ContactCoverageOut},
        description="联系全覆盖情况：在世服务对象、有联系责任人、今年联系达到规定次数"
        "（入户、电话、视频、座谈均计入），按区划逐级（调用者辖区内；统计每分钟更新）。",
    )
    def get(self, request):
        actor = request.user
        require_campaign_reader(actor)
        region = request.query_params.get("region", "").strip()
        drill = selectors.contact_coverage(actor, region)
        fields = ("living", "with_contact", "contact_rate", "reached", "rate")
        data = drill.extra | _drill_data(drill, fields)
        return Response(ContactCoverageOut(data).data)


urlpatterns += [
    path(
        "visit-campaigns/<int:pk>/coverage/",
        CampaignCoverage.as_view(),
        name="visit-campaign-coverage",
    ),
    path("contact-coverage/", ContactCoverage.as_view(), name="contact-coverage"),
]
