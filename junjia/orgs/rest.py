"""REST API of orgs under /api/v1/: regions, stations, and the current user."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.response import Response

from junjia.core.api_base import StandardPagination
from junjia.core.rest import read_input

from . import selectors, services, token_services
from .choices import Level
from .models import Region, Station, User
from .permissions import jurisdiction_of, require_capability
from .roles import REGION_VIEW, STATION_EDIT, STATION_VIEW


class RegionOut(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display")
    parent_code = serializers.CharField(source="parent.code", default=None)

    class Meta:
        model = Region
        fields = ["code", "name", "full_name", "level", "level_label", "parent_code", "source"]


class RegionList(ListAPIView):
    """Regions in the caller's jurisdiction. Filter by parent, level or a name/code text."""

    serializer_class = RegionOut
    pagination_class = StandardPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("parent", str, description="上级区划代码"),
            OpenApiParameter("level", int, description="层级 1–5"),
            OpenApiParameter("q", str, description="名称或代码前缀"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        require_capability(self.request.user, REGION_VIEW)
        qs = selectors.region_queryset(self.request.user).select_related("parent")
        params = self.request.query_params
        if parent := params.get("parent"):
            qs = qs.filter(parent__code=parent)
        if (level := params.get("level", "")).isdigit() and int(level) in Level.values:
            qs = qs.filter(level=int(level))
        if q := params.get("q", "").strip():
            qs = qs.filter(code__startswith=q) if q.isdigit() else qs.filter(name__contains=q)
        return qs.order_by("key")


class RegionDetail(RetrieveAPIView):
    serializer_class = RegionOut

    def get_object(self):
        return selectors.get_region_for_actor(self.request.user, self.kwargs["code"])


class StationOut(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.full_name")
    kind = serializers.CharField(source="kind_label")
    fill_rate = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    fill_rate_below_standard = serializers.BooleanField()
    publications = serializers.SerializerMethodField()

    class Meta:
        model = Station
        fields = [
            "id",
            "name",
            "kind",
            "region_code",
            "region_name",
            "address",
            "latitude",
            "longitude",
            "phone",
            "hotline",
            "office_hours",
            "authorised_posts",
            "filled_posts",
            "fill_rate",
            "fill_rate_below_standard",
            "funding_in_budget",
            "publications",
            "updated_at",
        ]

    def get_publications(self, station) -> dict[str, str]:
        return {p.kind: p.content for p in station.publications.all()}


class StationList(ListAPIView):
    serializer_class = StationOut
    pagination_class = StandardPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("level", int, description="层级 1–5"),
            OpenApiParameter("below_standard", bool, description="只列编制到位率低于 90% 的"),
            OpenApiParameter("q", str, description="名称或区划名称"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        require_capability(self.request.user, STATION_VIEW)
        params = self.request.query_params
        level = params.get("level", "")
        return selectors.station_list(
            self.request.user,
            level=int(level) if level.isdigit() else None,
            below_standard=params.get("below_standard") in ("1", "true"),
            q=params.get("q", "").strip(),
        ).prefetch_related("publications")


class StationProfileIn(serializers.ModelSerializer):
    class Meta:
        model = Station
        fields = [
            "name",
            "address",
            "latitude",
            "longitude",
            "phone",
            "hotline",
            "office_hours",
            "authorised_posts",
            "filled_posts",
            "funding_in_budget",
        ]
        extra_kwargs = {f: {"required": False} for f in fields}


class StationDetail(GenericAPIView):
    """Read a station's profile (GET) or change part of it (PATCH; station.edit)."""

    serializer_class = StationOut

    def get(self, request, pk):
        station = selectors.get_station_for_actor(request.user, pk)
        return Response(StationOut(station).data)

    @extend_schema(request=StationProfileIn, responses=StationOut)
    def patch(self, request, pk):
        station = selectors.get_station_for_actor(request.user, pk, capability=STATION_EDIT)
        incoming = StationProfileIn(station, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        # The service holds the rules across fields (filled ≤ authorised posts: 400 under
        # filled_posts), for this PATCH and the page alike.
        station = services.station_update_profile(
            actor=request.user, station=station, data=incoming.validated_data
        )
        return Response(StationOut(station).data)


class MeOut(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    station = serializers.CharField(source="station.name", default=None)
    jurisdiction = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["username", "full_name", "station", "roles", "jurisdiction"]

    def get_roles(self, user) -> list[str]:
        return sorted(user.role_codes)

    def get_jurisdiction(self, user) -> dict | None:
        juris = jurisdiction_of(user)
        if juris is None:
            return None
        region = Region.objects.get(pk=juris.region_id)
        return {"code": region.code, "name": region.full_name, "level": region.level}


class Me(GenericAPIView):
    serializer_class = MeOut

    def get(self, request):
        return Response(MeOut(request.user).data)


class StaffRolesIn(serializers.Serializer):
    roles = serializers.ListField(
        child=serializers.CharField(), allow_empty=True, help_text="角色代码；空列表即撤销全部角色"
    )


class StaffRolesOut(serializers.Serializer):
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())


class StaffRoles(GenericAPIView):
    """Give a person exactly these roles: the security administrator only (三员分立). A
    refusal is 403 (who may do it) or 400 under "roles" (which roles go together), and is
    audited as security.refused — the same service as the page."""

    serializer_class = StaffRolesOut

    @extend_schema(request=StaffRolesIn, responses=StaffRolesOut)
    def put(self, request, pk):
        person = selectors.get_staff_for_actor(request.user, pk)
        data = read_input(StaffRolesIn, request)
        person = services.staff_set_roles(actor=request.user, user=person, roles=data["roles"])
        return Response({"username": person.username, "roles": sorted(person.role_codes)})


class ApiTokenOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_on = serializers.DateField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField(source="status_label")


class ApiTokenIn(serializers.Serializer):
    name = serializers.CharField(max_length=60, help_text="用途")
    expires_on = serializers.DateField(help_text="有效期至，最长见 JUNJIA_API_TOKEN_MAX_DAYS")


class ApiTokenCreated(ApiTokenOut):
    key = serializers.CharField(help_text="令牌，只在此处返回一次")


class SessionOnly:
    """A token cannot mint or revoke tokens: these views accept a logged-in session only."""

    authentication_classes = [SessionAuthentication]


class MyTokens(SessionOnly, GenericAPIView):
    """The caller's own API tokens; POST creates one and returns its key once."""

    serializer_class = ApiTokenOut
    pagination_class = None

    def get(self, request):
        return Response(ApiTokenOut(token_services.tokens_of(request.user), many=True).data)

    @extend_schema(request=ApiTokenIn, responses={201: ApiTokenCreated})
    def post(self, request):
        data = read_input(ApiTokenIn, request)
        token, key = token_services.token_create(
            actor=request.user, name=data["name"], expires_on=data["expires_on"]
        )
        token.status_label = token_services.token_status(token)
        token.key = key
        return Response(ApiTokenCreated(token).data, status=201)


class MyTokenRevoke(SessionOnly, GenericAPIView):
    serializer_class = ApiTokenOut

    @extend_schema(request=None, responses=ApiTokenOut)
    def post(self, request, pk):
        token = token_services.token_for_actor(request.user, pk)
        token = token_services.token_revoke(actor=request.user, token=token)
        token.status_label = token_services.token_status(token)
        return Response(ApiTokenOut(token).data)


urlpatterns = [
    path("me/", Me.as_view(), name="me"),
    path("me/tokens/", MyTokens.as_view(), name="me-tokens"),
    path("me/tokens/<int:pk>/revoke/", MyTokenRevoke.as_view(), name="me-token-revoke"),
    path("regions/", RegionList.as_view(), name="region-list"),
    path("regions/<str:code>/", RegionDetail.as_view(), name="region-detail"),
    path("stations/", StationList.as_view(), name="station-list"),
    path("stations/<int:pk>/", StationDetail.as_view(), name="station-detail"),
    path("staff/<int:pk>/roles/", StaffRoles.as_view(), name="staff-roles"),
]
