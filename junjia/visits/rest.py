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
from django.urls import path, reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from junjia.core import audit, clock
from junjia.core.api_base import StandardPagination
from junjia.core.errors import InvalidInput
from junjia.core.models import AuditAction
from junjia.core.rest import read_input, request_body
from junjia.orgs.api import Level, can_reach, has_capability, jurisdiction_of
from junjia.registry.api import get_recipient_for_actor
from junjia.registry.choices import FLAG_FIELDS, Category, MeritKind

from . import assignment, errors, roles, selectors, services
from .campaign_views import MEMBERS_PAGE, campaign_input, record_members_view
from .choices import SITUATIONS, Anchor, EventKind, RecordItem, Subject, Timing, VisitHow
from .models import CampaignMember
from .permissions import (
    can_make_campaigns,
    get_campaign_for_actor,
    get_rule_for_actor,
    get_visit_for_actor,
    member_scope,
)
from .recording import VisitInput, visit_record, visitors_within
from .route_views import NOT_A_VISITOR, record_route_view, route_horizon
from .views import describe

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
    labels = serializers.SerializerMethodField(
        help_text="编码对应的中文：subject、timing、anchor、event_kind、responsible_level、"
        "contact_counts 各为一段文字；categories、flags、merits、record_items 为与编码"
        "同序的文字列表；summary 为对象、时间、时限的一句话说明"
    )

    def get_labels(self, version) -> dict:
        return version_labels(version)


class RuleRowOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    owner_name = serializers.CharField(help_text="制定单位；全国（依据文件）为种子规则")
    retired_at = serializers.DateTimeField(allow_null=True)
    retire_reason = serializers.CharField()
    current_version = RuleVersionOut()


class RuleOut(RuleRowOut):
    versions = RuleVersionOut(many=True, help_text="历次版本，新的在前")


def version_labels(version) -> dict:
    """The Chinese words beside each code of a version (the same words as the pages)."""
    names = {**dict(Category.choices), **FLAG_FIELDS, **dict(MeritKind.choices)}
    words = describe(version)
    return {
        "subject": Subject(version.subject).label,
        "timing": Timing(version.timing).label,
        "anchor": Anchor(version.anchor).label if version.anchor else "",
        "event_kind": EventKind(version.event_kind).label if version.event_kind else "",
        "responsible_level": Level(version.responsible_level).label,
        "contact_counts": version.get_contact_counts_display(),
        "categories": [names.get(v, v) for v in version.categories],
        "flags": [names.get(v, v) for v in version.flags],
        "merits": [names.get(v, v) for v in version.merits],
        "record_items": [
            RecordItem(i).label if i in RecordItem.values else i for i in version.record_items
        ],
        "summary": "；".join(p for p in (words["who"], words["when"], words["window"]) if p),
    }


class VisitRuleList(GenericAPIView):
    pagination_class = StandardPagination

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
        page = self.paginate_queryset(selectors.rules_for(request.user, retired=retired))
        return self.get_paginated_response(RuleRowOut(page, many=True).data)


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
    parent_name = serializers.CharField(help_text="上级区划名称（区分同名的村、社区）")
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


class VisitorOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class VolunteerOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField(help_text="脱敏")


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
    reassign_reason = serializers.CharField(help_text="调整责任层级的原因（未调整为空）")
    visitor = serializers.SerializerMethodField(help_text="分派的工作人员")
    volunteer = serializers.SerializerMethodField(help_text="分派的志愿者（手机号码脱敏）")

    @extend_schema_field(VisitorOut(allow_null=True))
    def get_visitor(self, member) -> dict | None:
        return _visitor(member)

    @extend_schema_field(VolunteerOut(allow_null=True))
    def get_volunteer(self, member) -> dict | None:
        return _volunteer(member)


def _visitor(member) -> dict | None:
    if member.visitor_id is None:
        return None
    return {"id": member.visitor_id, "name": member.visitor.full_name or member.visitor.username}


def _volunteer(member) -> dict | None:
    if member.volunteer_id is None:
        return None
    v = member.volunteer
    return {"id": v.pk, "name": v.name, "phone": v.phone_masked}


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


class AssignIn(serializers.Serializer):
    members = serializers.ListField(
        child=serializers.IntegerField(), max_length=500, help_text="走访计划人员 id（最多 500）"
    )
    visitor = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="工作人员的用户 id"
    )
    volunteer_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=50
    )
    volunteer_phone = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=20, help_text="可不填"
    )


class UnassignIn(serializers.Serializer):
    members = serializers.ListField(
        child=serializers.IntegerField(), max_length=500, help_text="走访计划人员 id（最多 500）"
    )


def _chosen_members(actor, campaign, pks: list[int]) -> list[int]:
    """The ids, every one a member of the campaign the actor may see; else 400 on members
    (never saying whether an id exists elsewhere)."""
    found = set(
        selectors.members_of(actor, campaign).filter(pk__in=pks).values_list("pk", flat=True)
    )
    if not pks or set(pks) - found:
        raise InvalidInput(errors.MEMBER_NOT_FOUND, field="members")
    return sorted(found)


def _members_out(actor, campaign, pks) -> list:
    return MemberOut(selectors.members_of(actor, campaign).filter(pk__in=pks), many=True).data


class VisitCampaignAssign(GenericAPIView):
    @extend_schema(
        tags=[CAMPAIGN_TAG],
        operation_id="visit_campaigns_members_assign",
        request=AssignIn,
        responses={200: MemberOut(many=True)},
        description="把负责走访的人员分派给工作人员（本站或上级服务站的在岗人员）和/或"
        "志愿者（按姓名登记，手机号码可不填）：负责的服务站站长，村（社区）服务站也可由经办人；"
        "再次分派即更换。每人一条审计。",
    )
    def post(self, request, pk):
        actor = request.user
        require_campaign_reader(actor)
        campaign = get_campaign_for_actor(actor, pk)
        data = read_input(AssignIn, request)
        chosen = _chosen_members(actor, campaign, data["members"])
        visitor = None
        if data["visitor"] is not None:
            visitor = assignment.staff_visitors(actor).filter(pk=data["visitor"]).first()
            if visitor is None:
                raise InvalidInput(errors.VISITOR_NOT_FOUND, field="visitor")
        assignment.member_assign(
            actor=actor,
            members=chosen,
            visitor=visitor,
            volunteer_name=data["volunteer_name"],
            volunteer_phone=data["volunteer_phone"],
        )
        return Response(_members_out(actor, campaign, chosen))


class VisitCampaignUnassign(GenericAPIView):
    @extend_schema(
        tags=[CAMPAIGN_TAG],
        operation_id="visit_campaigns_members_unassign",
        request=UnassignIn,
        responses={200: MemberOut(many=True)},
        description="取消人员的走访分派（由负责的服务站自行走访）；每人一条审计。",
    )
    def post(self, request, pk):
        actor = request.user
        require_campaign_reader(actor)
        campaign = get_campaign_for_actor(actor, pk)
        data = read_input(UnassignIn, request)
        chosen = _chosen_members(actor, campaign, data["members"])
        assignment.member_unassign(actor=actor, members=chosen)
        return Response(_members_out(actor, campaign, chosen))


class RouteMemberOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="走访计划人员 id")
    campaign_id = serializers.IntegerField()
    campaign_name = serializers.CharField(source="campaign.name")
    recipient_id = serializers.IntegerField()
    name = serializers.CharField(source="recipient.name")
    id_number = serializers.CharField(source="recipient.id_masked", help_text="脱敏")
    address = serializers.CharField(source="recipient.current_address")
    station_key = serializers.IntegerField()
    station_name = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField(), source="reason_names")
    opens = serializers.DateField()
    closes = serializers.DateField()
    record_url = serializers.CharField(help_text="记录走访的页面")


class VisitRoute(GenericAPIView):
    pagination_class = None  # one visitor's people due: bounded by what she was given

    @extend_schema(
        tags=[CAMPAIGN_TAG],
        operation_id="visits_route",
        responses={200: RouteMemberOut(many=True)},
        description="我的走访：分派给调用者、尚未走访的人员（进行中的计划，走访窗口已开始或"
        "5 个工作日内开始），按村（社区）和住址排列，先截止的在前；每次访问记一条审计。",
    )
    def get(self, request):
        actor = request.user
        if not has_capability(actor, roles.RECORD):
            raise PermissionDenied(NOT_A_VISITOR)
        today = clock.today()
        members = selectors.route_members(
            actor, today, visitor=actor, ahead=route_horizon(request, today)
        )
        rows = []
        for group in selectors.route_groups(members):
            for member in group["members"]:
                member.station_name = group["name"]
                member.record_url = reverse(
                    "visits:visit_new_member",
                    kwargs={"pk": member.campaign_id, "member": member.pk},
                )
                rows.append(member)
        record_route_view(actor, page="visits.route.api", visitor_id=actor.pk, count=len(rows))
        return Response(RouteMemberOut(rows, many=True).data)


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
    path(
        "visit-campaigns/<int:pk>/members/assign/",
        VisitCampaignAssign.as_view(),
        name="visit-campaign-members-assign",
    ),
    path(
        "visit-campaigns/<int:pk>/members/unassign/",
        VisitCampaignUnassign.as_view(),
        name="visit-campaign-members-unassign",
    ),
    path("visits/route/", VisitRoute.as_view(), name="visit-route"),
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
    photos = serializers.SerializerMethodField(help_text="照片地址（按辖区限定并审计）")
    signed = serializers.BooleanField(source="is_signed", help_text="已签收（签名或签收单照片）")
    signature_url = serializers.SerializerMethodField(help_text="手写签名地址；无则 null")
    signed_form_photo_url = serializers.SerializerMethodField(help_text="签收单照片地址；无则 null")

    def get_visitors(self, visit) -> list[int]:
        return [u.pk for u in visit.visitors.all()]

    def get_photos(self, visit) -> list[str]:
        return [
            reverse("visits:visit_photo", kwargs={"pk": visit.pk, "photo": p.pk})
            for p in visit.photos.all()
        ]

    def _signature(self, visit, which: str) -> str | None:
        if not getattr(visit, which):
            return None
        return reverse("visits:visit_signature", kwargs={"pk": visit.pk, "which": which})

    def get_signature_url(self, visit) -> str | None:
        return self._signature(visit, "signature")

    def get_signed_form_photo_url(self, visit) -> str | None:
        return self._signature(visit, "signed_form_photo")


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
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="走访照片（multipart，可多张，最多 9 张，JPG 或 PNG）",
    )
    signature = serializers.FileField(
        required=False, default=None, help_text="对方手写签名（PNG 或 JPG，multipart）"
    )
    signed_form_photo = serializers.FileField(
        required=False, default=None, help_text="签收单照片（multipart）"
    )

    class Meta:
        ref_name = "VisitIn"


# Fields a multipart body may repeat (a JSON body gives lists as lists).
LIST_FIELDS = ("visitors", "photos")


def visit_body(request) -> dict:
    """The body as a dict: JSON as it is; a form or multipart body (what the phone sends,
    with its photos and signature) with one value per key but the repeatable fields as
    lists."""
    data = request.data
    if not hasattr(data, "getlist"):
        return request_body(request)
    body = {key: data.get(key) for key in data if key not in LIST_FIELDS}
    for key in LIST_FIELDS:
        if key in data:
            body[key] = data.getlist(key)
    return body


def _visit_input(actor, recipient, data: dict, key: str) -> VisitInput:
    wanted = list(dict.fromkeys(data["visitors"]))
    users = visitors_within(recipient, wanted) if wanted else {}
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
        photos=data["photos"],
        signature=data["signature"],
        signed_form_photo=data["signed_form_photo"],
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
        qs = selectors.visits_for(actor).prefetch_related("photos")
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
        request={"multipart/form-data": VisitIn, "application/json": VisitIn},
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
        "（电话、视频、座谈仅在规则允许时计入）。带照片、签名时用 multipart/form-data"
        "（手机离线记录联网后即以此发送，每条带自己的幂等键）。",
    )
    def post(self, request):
        actor = request.user
        require_campaign_reader(actor)
        incoming = VisitIn(data=visit_body(request))
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
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


# --- events (走访事件, 六必访) -----------------------------------------------------------------

EVENT_TAG = "走访事件"


class EventOut(serializers.Serializer):
    id = serializers.IntegerField()
    recipient_id = serializers.IntegerField()
    name = serializers.CharField(source="recipient.name")
    id_number = serializers.CharField(source="recipient.id_masked", help_text="脱敏")
    kind = serializers.CharField(help_text="事件编码")
    kind_label = serializers.CharField(source="get_kind_display", help_text="事件")
    occurred_on = serializers.DateField()
    note = serializers.CharField()
    source = serializers.CharField(help_text="由其他模块提出时的来源")
    station_key = serializers.IntegerField(allow_null=True, help_text="所属服务站（区划键）")
    visit_state = serializers.CharField(
        help_text="due 待走访 / visited 已走访 / 空：没有在用的规则据此安排走访"
    )
    reasons = ReasonOut(many=True, help_text="据以安排走访的规则及其时限")
    opens = serializers.DateField(allow_null=True)
    closes = serializers.DateField(allow_null=True, help_text="应在此日前走访")
    responsible_level = serializers.IntegerField(
        allow_null=True, help_text="责任层级 3 县 / 4 乡镇 / 5 村"
    )
    visit_id = serializers.IntegerField(allow_null=True, help_text="销号的走访记录")
    created_at = serializers.DateTimeField()


class EventIn(serializers.Serializer):
    recipient = serializers.IntegerField(help_text="服务对象档案 id")
    kind = serializers.ChoiceField(choices=EventKind.choices)
    occurred_on = serializers.DateField()
    note = _text(max_length=200)


class VisitEventList(GenericAPIView):
    pagination_class = StandardPagination

    @extend_schema(
        tags=[EVENT_TAG],
        operation_id="visit_events_list",
        parameters=[
            OpenApiParameter("recipient", int, description="只看该服务对象"),
            OpenApiParameter(
                "state", str, description="due 待走访（默认）/ visited / none 无须走访 / all"
            ),
        ],
        responses={200: EventOut(many=True)},
        description="调用者辖区内的走访事件（身份证号码脱敏），待走访的按时限在前；每页记一条审计。",
    )
    def get(self, request):
        actor = request.user
        require_campaign_reader(actor)
        params = request.query_params
        state = params.get("state", "").strip() or "due"
        if state not in ("due", "visited", "none", "all"):
            return Response({"state": ["走访情况应为 due、visited、none 或 all。"]}, status=400)
        recipient = None
        raw = params.get("recipient", "").strip()
        if raw:
            if not raw.isdigit():
                return Response({"recipient": ["服务对象应为档案 id（数字）。"]}, status=400)
            recipient = get_recipient_for_actor(actor, int(raw))
        page = self.paginate_queryset(selectors.events_for(actor, state=state, recipient=recipient))
        juris = jurisdiction_of(actor)
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="visits.visitevent",
            region_key=juris.low if juris else None,
            extra={"page": "visits.events.api", "page_no": self.paginator.page.number},
        )
        return self.get_paginated_response(EventOut(page, many=True).data)

    @extend_schema(
        tags=[EVENT_TAG],
        operation_id="visit_events_create",
        request=EventIn,
        responses={
            201: EventOut,
            400: OpenApiResponse(description="按字段的中文提示"),
        },
        description="为辖区内的服务对象登记走访事件（六必访）：按在用的走访慰问规则"
        "列入应走访（时限、责任层级），记录走访后销号。",
    )
    def post(self, request):
        actor = request.user
        if not has_capability(actor, roles.RECORD):
            raise PermissionDenied(errors.NOT_RECIPIENT_CLERK)
        data = read_input(EventIn, request)
        recipient = get_recipient_for_actor(actor, data["recipient"])
        if not can_reach(actor, roles.RECORD, recipient.region_key):
            raise PermissionDenied(errors.NOT_RECIPIENT_CLERK)
        event = services.event_record(
            actor=actor,
            recipient=recipient,
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            note=data["note"],
        )
        return Response(EventOut(event).data, status=201)


urlpatterns += [
    path("visit-events/", VisitEventList.as_view(), name="visit-event-list"),
]


# --- budget lines (经费来源) -----------------------------------------------------------------


class BudgetLineOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="经费来源")
    owner_name = serializers.CharField(help_text="设立单位")
    retired_at = serializers.DateTimeField(allow_null=True, help_text="停用时间；空为在用")


class VisitBudgetLineList(GenericAPIView):
    pagination_class = StandardPagination

    @extend_schema(
        tags=[VISIT_TAG],
        operation_id="visit_budget_lines_list",
        parameters=[
            OpenApiParameter(
                "recipient",
                int,
                description="只列该服务对象所在地在用的经费来源（记录走访时可选的）",
            )
        ],
        responses={200: BudgetLineOut(many=True)},
        description="县级及以上设置的慰问金经费来源：调用者可见的（在用的在前）；"
        "给出 recipient 时为记录该对象走访时可选的在用经费来源。列表为空时经费来源可直接填写。",
    )
    def get(self, request):
        actor = request.user
        require_campaign_reader(actor)
        lines = selectors.budget_lines_for(actor)
        raw = request.query_params.get("recipient", "").strip()
        if raw:
            if not raw.isdigit():
                return Response({"recipient": ["服务对象应为档案 id（数字）。"]}, status=400)
            person = get_recipient_for_actor(actor, int(raw))
            names = selectors.budget_lines_where(person.region_key)
            lines = lines.filter(
                name__in=names,
                retired_at__isnull=True,
                region_key__lte=person.region_key,
                region_key_high__gte=person.region_key,
            )
        page = self.paginate_queryset(lines)
        return self.get_paginated_response(BudgetLineOut(page, many=True).data)


urlpatterns += [
    path("visit-budget-lines/", VisitBudgetLineList.as_view(), name="visit-budget-line-list"),
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
