"""REST API of the registry under /api/v1/: recipient files (search, detail, registration,
sections and lists, collection and review, change requests), reveal, counts and transfers.

The same selectors, services, forms, scoping, masking and audit as the pages: a view fetches
through the jurisdiction helpers (404 outside), validates with the pages' forms, calls one
service or selector, and answers with masked values only.
"""

from types import SimpleNamespace

from django import forms as django_forms
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.urls import path
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from junjia.core.rest import ConflictOut, form_errors, read_input, request_body
from junjia.orgs.api import Level, get_for_actor, has_capability, require_capability

from . import errors, forms, selectors, services
from .choices import (
    FLAG_FIELDS,
    Category,
    DocumentKind,
    FileStatus,
    Gender,
    Hardship,
)
from .idnumber import IdNumberError
from .models import ChangeRequest, Recipient, TransferRequest
from .permissions import get_recipient_for_actor
from .phones import PhoneError, normalise_mobile
from .sections import SECTION_BY_KEY, SECTIONS
from .snapshots import diff, section_values
from .views import reads

TAG = "服务对象档案"
TRANSFER_TAG = "档案转移"
NOT_FOUND_BY_NUMBER = "未找到该身份证号码的档案。"
UNKNOWN_FIELD = "未知字段。"
PAGE_SIZE = selectors.PAGE_SIZE
MAX_PAGE_SIZE = 200


def _level_label(level) -> str | None:
    return Level(level).label if level else None


def _form_serializer(name: str, form_class, doc: str = ""):
    """A serializer that describes a page form's fields for the OpenAPI schema. Input is
    still validated by the form itself, so the rules stay in one place."""
    fields = {}
    for field_name, field in form_class.base_fields.items():
        common = {"required": False, "help_text": str(field.label or "")}
        choices = [c for c in getattr(field, "choices", []) if c[0] != ""]
        if isinstance(field, django_forms.BooleanField):
            fields[field_name] = serializers.BooleanField(**common)
        elif isinstance(field, django_forms.ChoiceField):
            fields[field_name] = serializers.ChoiceField(
                choices=choices, allow_blank=True, allow_null=True, **common
            )
        elif isinstance(field, django_forms.DateField):
            fields[field_name] = serializers.DateField(allow_null=True, **common)
        elif isinstance(field, django_forms.IntegerField):
            fields[field_name] = serializers.IntegerField(allow_null=True, **common)
        else:
            fields[field_name] = serializers.CharField(
                allow_blank=True, allow_null=True, max_length=field.max_length, **common
            )
        if field.required:
            fields[field_name].required = True
    return type(name, (serializers.Serializer,), {**fields, "__doc__": doc or None})


# --- output -------------------------------------------------------------------------------


class RegionRef(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="full_name")


class RecipientRowOut(serializers.Serializer):
    """One person in a list: masked identity number and phone only."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    gender = serializers.CharField(help_text="M 男 / F 女")
    gender_label = serializers.CharField(source="get_gender_display")
    birth_date = serializers.DateField()
    id_masked = serializers.CharField(help_text="110101********123X")
    phone_masked = serializers.CharField(help_text="138****5678")
    household_region = RegionRef()
    status = serializers.CharField(help_text="draft / submitted / returned / approved / withdrawn")
    status_label = serializers.CharField(source="get_status_display")
    review_level = serializers.IntegerField(allow_null=True, help_text="待审核层级 1–5")
    death_date = serializers.DateField(allow_null=True)
    last_verified_at = serializers.DateTimeField(allow_null=True)
    categories = serializers.SerializerMethodField()

    def get_categories(self, recipient) -> list[str]:
        return [c.category for c in recipient.categories.all()]

    def to_representation(self, r) -> dict:
        # Written out: the same values DRF's fields give (test_rest checks), at a fifth of
        # the cost; a search page has 50 rows and this was half of the request's CPU.
        # Subclasses (the detail) add fields: they take DRF's way.
        if type(self) is not RecipientRowOut:
            return super().to_representation(r)
        region = r.household_region
        return {
            "id": r.pk,
            "name": r.name,
            "gender": r.gender,
            "gender_label": r.get_gender_display(),
            "birth_date": _date(r.birth_date),
            "id_masked": r.id_masked,
            "phone_masked": r.phone_masked,
            "household_region": {"code": region.code, "name": region.full_name},
            "status": r.status,
            "status_label": r.get_status_display(),
            "review_level": r.review_level,
            "death_date": _date(r.death_date),
            "last_verified_at": _DATETIME.to_representation(r.last_verified_at)
            if r.last_verified_at
            else None,
            "categories": self.get_categories(r),
        }


_DATETIME = serializers.DateTimeField()


def _date(value):
    return value.isoformat() if value else None


class CategoryOut(serializers.Serializer):
    category = serializers.CharField()
    label = serializers.CharField(source="get_category_display")
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    disability_grade = serializers.IntegerField(allow_null=True)
    disability_cause = serializers.CharField()


class HonourOut(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    awarded_on = serializers.DateField(allow_null=True)


class FamilyOut(serializers.Serializer):
    name = serializers.CharField()
    relationship = serializers.CharField()
    relationship_label = serializers.CharField(source="get_relationship_display")
    birth_year = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()


class DocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField(source="get_kind_display")
    original_name = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class DocumentKindOut(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()


class SectionOut(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    values = serializers.DictField(help_text="字段 → 值；手机号码为脱敏形式")


class DiffRowOut(serializers.Serializer):
    section = serializers.CharField()
    field = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class ChangeOut(serializers.Serializer):
    """An open change request to an approved file, with what it would change."""

    id = serializers.IntegerField()
    status = serializers.CharField(help_text="draft / submitted / returned / approved / withdrawn")
    status_label = serializers.CharField(source="get_status_display")
    review_level = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    diff = serializers.SerializerMethodField()

    @extend_schema_field(DiffRowOut(many=True))
    def get_diff(self, change):
        return [
            {"section": s, "field": f, "old": old, "new": new}
            for s, f, old, new in diff(change.base, change.proposed)
        ]


class StepOut(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    level = serializers.IntegerField(allow_null=True)
    actor = serializers.CharField(source="actor.full_name")
    station_name = serializers.CharField()
    at = serializers.DateTimeField()
    remark = serializers.CharField()
    change = serializers.IntegerField(source="change_id", allow_null=True)


def _kinds(values) -> list[dict]:
    return [{"kind": k, "label": DocumentKind(k).label} for k in values]


class RecipientOut(RecipientRowOut):
    """The whole file (一人一档), masked: sections, categories, honours, family, documents,
    the open change request with its differences, and the review history."""

    former_names = serializers.CharField()
    responsible_clerk = serializers.CharField(
        source="responsible_clerk.full_name", default=None, allow_null=True
    )
    approved_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    flags = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField()
    categories = CategoryOut(many=True, source="categories.all")
    honours = HonourOut(many=True, source="honours.all")
    family = FamilyOut(many=True, source="family.all")
    plan = serializers.CharField()
    documents = DocumentOut(many=True, source="documents.all")
    required_documents = serializers.SerializerMethodField()
    missing_documents = serializers.SerializerMethodField()
    change = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    def get_flags(self, recipient) -> dict[str, bool]:
        return {name: getattr(recipient, name) for name in FLAG_FIELDS}

    @extend_schema_field(SectionOut(many=True))
    def get_sections(self, recipient):
        rows = []
        for section in SECTIONS:
            values = section_values(recipient, section)
            if "phone" in values:
                values["phone"] = recipient.phone_masked  # never the ciphertext
            rows.append({"key": section.key, "label": section.label, "values": values})
        return rows

    @extend_schema_field(DocumentKindOut(many=True))
    def get_required_documents(self, recipient):
        return _kinds(selectors.required_documents(recipient))

    @extend_schema_field(DocumentKindOut(many=True))
    def get_missing_documents(self, recipient):
        return _kinds(selectors.missing_documents(recipient))

    @extend_schema_field(ChangeOut(allow_null=True))
    def get_change(self, recipient):
        change = reads.open_change(recipient)
        return ChangeOut(change).data if change else None

    @extend_schema_field(StepOut(many=True))
    def get_history(self, recipient):
        return StepOut(reads.history(recipient), many=True).data


class RecipientCreatedOut(RecipientOut):
    warnings = serializers.ListField(child=serializers.CharField(), help_text="身份证号码的提示")


class RecipientPageOut(serializers.Serializer):
    results = RecipientRowOut(many=True)
    next = serializers.CharField(allow_null=True, help_text="下一页的游标（after 参数）")
    count = serializers.IntegerField(help_text="精确到 10,000；超过时 count_capped 为 true")
    count_capped = serializers.BooleanField()


class ChangeStatusOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    review_level = serializers.IntegerField(allow_null=True)
    review_level_label = serializers.SerializerMethodField()

    def get_review_level_label(self, obj) -> str | None:
        return _level_label(obj.review_level)


class RecipientStatusOut(ChangeStatusOut):
    """Where a file (and its open change request) stands after a review action."""

    change = serializers.SerializerMethodField()

    @extend_schema_field(ChangeStatusOut(allow_null=True))
    def get_change(self, recipient):
        change = reads.open_change(recipient)
        return ChangeStatusOut(change).data if change else None


class QueueChangeOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    review_level = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    updated_at = serializers.DateTimeField()
    recipient = RecipientRowOut()


class ReviewQueueOut(serializers.Serializer):
    files = RecipientRowOut(many=True)
    changes = QueueChangeOut(many=True)


class CountOut(serializers.Serializer):
    category = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class CountsOut(serializers.Serializer):
    categories = CountOut(many=True)


class DuplicateOut(serializers.Serializer):
    detail = serializers.CharField()
    station = serializers.CharField(help_text="已建档的服务站名称（不透露档案内容）")
    transfer_possible = serializers.BooleanField(help_text="可以申请把档案转入本辖区")


class ErrorOut(serializers.Serializer):
    detail = serializers.CharField()


class RevealOut(serializers.Serializer):
    value = serializers.CharField()


def _holding_station(transfer: TransferRequest, cache: dict) -> str:
    # The sending side's station by the same rule as the duplicate answer (name only).
    if transfer.from_key not in cache:
        stand_in = SimpleNamespace(
            region_key=transfer.from_key, household_region=transfer.from_region
        )
        cache[transfer.from_key] = services.holding_station_name(stand_in)
    return cache[transfer.from_key]


class TransferRequestedOut(serializers.Serializer):
    """A transfer as the receiving side sees it: nothing of the file but the masked number
    they typed and the name of the station that holds it."""

    id = serializers.IntegerField()
    status = serializers.CharField(help_text="pending / approved / rejected / cancelled")
    status_label = serializers.CharField(source="get_status_display")
    id_masked = serializers.CharField(source="recipient.id_masked")
    from_station = serializers.SerializerMethodField()
    to_region = RegionRef()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    remark = serializers.CharField()

    def get_from_station(self, transfer) -> str:
        return _holding_station(transfer, self.context.setdefault("stations", {}))


class TransferRecipientOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_masked = serializers.CharField()


class TransferToDecideOut(serializers.Serializer):
    """A transfer as the sending side (or the common upper level) sees it."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    recipient = TransferRecipientOut()
    from_region = RegionRef()
    to_region = RegionRef()
    requested_by_station = serializers.CharField(source="requested_by.station.name", default="")
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    remark = serializers.CharField()


class TransfersOut(serializers.Serializer):
    incoming = TransferRequestedOut(many=True, help_text="本辖区提出（迁入本辖区）的申请")
    to_decide = TransferToDecideOut(many=True, help_text="待本辖区审批（迁出）的申请")


# --- input ------------------------------------------------------------------------------


class RecipientCreateIn(serializers.Serializer):
    household_region = serializers.CharField(
        max_length=12,
        help_text="户籍所在地：辖区内乡镇（街道）或村（社区）的 12 位区划代码",
        error_messages={"required": forms.REGION_REQUIRED, "blank": forms.REGION_REQUIRED},
    )
    id_number = serializers.CharField(
        max_length=20,
        help_text="公民身份号码，18 位（旧版 15 位自动转换）",
        error_messages={"required": "请填写身份证号码。", "blank": "请填写身份证号码。"},
    )
    name = serializers.CharField(
        max_length=50, error_messages={"required": "请填写姓名。", "blank": "请填写姓名。"}
    )
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    gender = serializers.ChoiceField(
        choices=Gender.choices, required=False, allow_blank=True, help_text="须与号码一致"
    )
    birth_date = serializers.DateField(required=False, allow_null=True, help_text="须与号码一致")

    def validate_household_region(self, code):
        region = reads.region_by_code(self.context["actor"], code)
        if region is None:
            raise ValidationError(forms.REGION_UNKNOWN.format(code=code))
        return region

    def validate_id_number(self, raw):
        try:
            return services.check_id_number(raw).value
        except IdNumberError as exc:
            raise ValidationError(str(exc)) from exc

    def validate_phone(self, raw):
        if not raw.strip():
            return ""
        try:
            return normalise_mobile(raw)
        except PhoneError as exc:
            raise ValidationError(str(exc)) from exc


class RevealIn(serializers.Serializer):
    field = serializers.ChoiceField(choices=[("id_number", "身份证号码"), ("phone", "手机号码")])


class RemarkIn(serializers.Serializer):
    remark = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500, help_text="退回原因（必填）"
    )


class OptionalReasonIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class TransferCreateIn(serializers.Serializer):
    id_number = serializers.CharField(
        max_length=20,
        error_messages={"required": "请填写身份证号码。", "blank": "请填写身份证号码。"},
    )
    to_region = serializers.CharField(
        max_length=12,
        help_text="迁入地：辖区内乡镇（街道）或村（社区）的区划代码",
        error_messages={"required": forms.REGION_REQUIRED, "blank": forms.REGION_REQUIRED},
    )
    reason = serializers.CharField(
        max_length=200,
        error_messages={"required": "请填写迁移原因。", "blank": "请填写迁移原因。"},
    )

    def validate_id_number(self, raw):
        try:
            return services.check_id_number(raw).value
        except IdNumberError as exc:
            raise ValidationError(str(exc)) from exc

    def validate_to_region(self, code):
        region = reads.region_by_code(self.context["actor"], code)
        if region is None:
            raise ValidationError(forms.REGION_UNKNOWN.format(code=code))
        return region


class TransferDecideIn(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true 同意转移，false 不同意（须填意见）")
    remark = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


SECTION_IN = {
    s.key: _form_serializer(
        f"Section{s.key.title()}In",
        forms.section_form_class(s.key),
        f"{s.label}。只需提交要修改的字段。"
        + ("手机号码传空字符串或 clear_phone=true 即清除。" if s.key == "basic" else ""),
    )
    for s in SECTIONS
}
CategoryItemIn = _form_serializer("CategoryItemIn", forms.CategoryRowForm)
HonourItemIn = _form_serializer("HonourItemIn", forms.HonourRowForm)
FamilyItemIn = _form_serializer("FamilyItemIn", forms.FamilyRowForm)


class CategoriesIn(serializers.Serializer):
    items = CategoryItemIn(many=True)


class HonoursIn(serializers.Serializer):
    items = HonourItemIn(many=True)


class FamilyIn(serializers.Serializer):
    items = FamilyItemIn(many=True)


PlanIn = _form_serializer("PlanIn", forms.PlanForm)


# --- views --------------------------------------------------------------------------------


def _file(recipient: Recipient) -> Recipient:
    prefetch_related_objects([recipient], "categories", "honours", "family", "documents")
    return recipient


def _file_response(request, pk, page: str) -> Response:
    """The whole file as it is now, masked; every showing of a file is one audit row."""
    recipient = reads.open_recipient(request.user, pk, page=page)
    return Response(RecipientOut(_file(recipient)).data)


SEARCH_PARAMETERS = [
    OpenApiParameter(
        "q", str, description="姓名、曾用名、全拼、首字母、身份证号（或后 4/6 位）、手机号"
    ),
    OpenApiParameter("category", str, enum=Category.values, description="服务对象类别"),
    OpenApiParameter("flag", str, enum=list(FLAG_FIELDS), description="标记"),
    OpenApiParameter("region", str, description="区划代码：只查该区划及其下级"),
    OpenApiParameter("age_min", int, description="年龄下限（周岁）"),
    OpenApiParameter("age_max", int, description="年龄上限（周岁）"),
    OpenApiParameter("status", str, enum=FileStatus.values, description="档案状态"),
    OpenApiParameter("deceased", str, enum=["1", "0"], description="1 只看已去世，0 只看在世"),
    OpenApiParameter("hardship", str, enum=[v for v in Hardship.values if v]),
    OpenApiParameter("sort", str, enum=list(selectors.SORTS), description="排序，默认 name"),
    OpenApiParameter("after", str, description="游标：上一页返回的 next"),
    OpenApiParameter("page_size", int, description=f"每页条数，默认 {PAGE_SIZE}，最多 200"),
]


class RecipientListCreate(GenericAPIView):
    """Search the files of the caller's jurisdiction (GET), or open a new draft file (POST)."""

    @extend_schema(
        tags=[TAG],
        operation_id="recipients_list",
        parameters=SEARCH_PARAMETERS,
        responses=RecipientPageOut,
        description="按辖区检索，键集分页（深页与首页一样快）；每次列表访问记一条审计。",
    )
    def get(self, request):
        require_capability(request.user, "registry.view")
        params = selectors.SearchParams.from_query(request.query_params)
        size = request.query_params.get("page_size", "")
        size = min(int(size), MAX_PAGE_SIZE) if size.isdigit() and int(size) else PAGE_SIZE
        page = selectors.search(request.user, params, page_size=size)
        prefetch_related_objects(page.rows, "categories")
        reads.record_list_view(request.user, params.as_query())
        return Response(
            {
                "results": RecipientRowOut(page.rows, many=True).data,
                "next": page.next_cursor or None,
                "count": page.count,
                "count_capped": page.count_capped,
            }
        )

    @extend_schema(
        tags=[TAG],
        operation_id="recipients_create",
        request=RecipientCreateIn,
        responses={
            201: RecipientCreatedOut,
            400: OpenApiResponse(description="输入有误（中文提示）"),
            409: OpenApiResponse(DuplicateOut, description="该号码已在别处建档：只告知服务站名称"),
        },
        description="新建档案（草稿）。性别和出生日期由身份证号码得出，填写的须与号码一致。",
    )
    def post(self, request):
        require_capability(request.user, "registry.edit")
        incoming = RecipientCreateIn(data=request_body(request), context={"actor": request.user})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            recipient, warnings = services.recipient_register(
                actor=request.user,
                household_region=data["household_region"],
                id_number=data["id_number"],
                name=data["name"],
                phone=data["phone"],
                gender=data.get("gender") or None,
                birth_date=data.get("birth_date"),
            )
        except errors.DuplicateRecipient as exc:
            # 一人一档: say where the file is (station name only) and whether a transfer
            # request can bring it here; nothing else about the other file.
            return Response(
                {
                    "detail": str(exc),
                    "station": exc.station_name,
                    "transfer_possible": not exc.in_jurisdiction
                    and has_capability(request.user, "registry.transfer"),
                },
                status=status.HTTP_409_CONFLICT,
            )
        # The caller typed these values: answering them back is not a new showing to audit.
        recipient = _file(get_recipient_for_actor(request.user, recipient.pk))
        recipient.warnings = list(warnings)
        return Response(RecipientCreatedOut(recipient).data, status=status.HTTP_201_CREATED)


class RecipientDetail(GenericAPIView):
    @extend_schema(tags=[TAG], responses=RecipientOut, description="整份档案（脱敏），记审计。")
    def get(self, request, pk):
        return _file_response(request, pk, "api:recipient-detail")


class RecipientObjectView(GenericAPIView):
    """An operation on one file: the file is looked up for every method first, so a file
    outside the jurisdiction answers 404 whatever the method (never revealing it exists)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.recipient = get_recipient_for_actor(request.user, kwargs["pk"])


class RecipientReveal(RecipientObjectView):
    @extend_schema(
        tags=[TAG],
        request=RevealIn,
        responses={
            200: RevealOut,
            403: OpenApiResponse(ErrorOut, description="无查看完整信息权限"),
        },
        description="查看一项完整的身份证号码或手机号码；需要相应权限，每次都记入审计日志。",
    )
    def post(self, request, pk):
        incoming = RevealIn(data=request_body(request))
        incoming.is_valid(raise_exception=True)
        value = services.recipient_reveal(
            actor=request.user, recipient=self.recipient, field=incoming.validated_data["field"]
        )
        response = Response({"value": value})
        response["Cache-Control"] = "no-store"
        return response


SECTION_PATCH = PolymorphicProxySerializer(
    component_name="SectionPatch",
    serializers=list(SECTION_IN.values()),
    resource_type_field_name=None,
    many=False,
)


class RecipientSection(RecipientObjectView):
    @extend_schema(
        tags=[TAG],
        parameters=[
            OpenApiParameter("key", str, OpenApiParameter.PATH, enum=list(SECTION_BY_KEY)),
        ],
        request=SECTION_PATCH,
        responses=RecipientOut,
        description=(
            "修改一个分项。草稿直接修改；已通过的档案修改进入变更申请，审核通过前原档案不变。"
        ),
    )
    def patch(self, request, pk, key):
        if key not in SECTION_BY_KEY:
            raise NotFound(f"没有名为 {key} 的分项。")
        require_capability(request.user, "registry.edit")
        data = dict(request_body(request))
        form_class = forms.section_form_class(key)
        unknown = sorted(set(data) - set(form_class.base_fields))
        if unknown:
            raise ValidationError({name: [UNKNOWN_FIELD] for name in unknown})
        if key == "basic" and "phone" in data and not str(data["phone"] or "").strip():
            data.pop("phone")
            data["clear_phone"] = True
        # PATCH: start from what the form would show (the file, or the open change), then
        # let the section's own form validate the whole section.
        working = reads.working_snapshot(self.recipient, reads.open_change(self.recipient))
        current = {
            k: v
            for k, v in working["sections"].get(key, {}).items()
            if k != "phone" and v is not None
        }
        form = form_class(data={**current, **data})
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        services.recipient_update_section(
            actor=request.user,
            recipient=self.recipient,
            section_key=key,
            cleaned=forms.section_payload(key, form.cleaned_data),
        )
        return _file_response(request, pk, "api:recipient-section")


class RecipientListPut(RecipientObjectView):
    """Replace one list of the file (categories, honours, family), each row checked by the
    page's row form."""

    key = ""

    def put(self, request, pk):
        require_capability(request.user, "registry.edit")
        items = request_body(request).get("items")
        if not isinstance(items, list):
            raise ValidationError({"items": ["请提交 items 列表。"]})
        row_form = forms.ROW_FORMS[self.key][1]
        cleaned, problems = [], []
        for item in items:
            form = row_form(data=item if isinstance(item, dict) else {})
            valid = form.is_valid()
            problems.append({} if valid else form_errors(form))
            if valid:
                cleaned.append(form.cleaned_data)
        if any(problems):
            raise ValidationError({"items": problems})
        services.recipient_set_list(
            actor=request.user, recipient=self.recipient, key=self.key, items=cleaned
        )
        return _file_response(request, pk, f"api:recipient-{self.key}")


LIST_DESCRIPTION = "整体替换该列表。草稿直接修改；已通过的档案进入变更申请。"


class RecipientCategories(RecipientListPut):
    key = "categories"

    @extend_schema(
        tags=[TAG], request=CategoriesIn, responses=RecipientOut, description=LIST_DESCRIPTION
    )
    def put(self, request, pk):
        return super().put(request, pk)


class RecipientHonours(RecipientListPut):
    key = "honours"

    @extend_schema(
        tags=[TAG], request=HonoursIn, responses=RecipientOut, description=LIST_DESCRIPTION
    )
    def put(self, request, pk):
        return super().put(request, pk)


class RecipientFamily(RecipientListPut):
    key = "family"

    @extend_schema(
        tags=[TAG], request=FamilyIn, responses=RecipientOut, description=LIST_DESCRIPTION
    )
    def put(self, request, pk):
        return super().put(request, pk)


class RecipientPlan(RecipientObjectView):
    @extend_schema(tags=[TAG], request=PlanIn, responses=RecipientOut, description="一人一策。")
    def put(self, request, pk):
        require_capability(request.user, "registry.edit")
        form = forms.PlanForm(data=request_body(request))
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        services.recipient_set_list(
            actor=request.user,
            recipient=self.recipient,
            key="plan",
            items=form.cleaned_data["plan"],
        )
        return _file_response(request, pk, "api:recipient-plan")


# --- collection and review ------------------------------------------------------------------


def _status(pk) -> Response:
    return Response(RecipientStatusOut(Recipient.objects.get(pk=pk)).data)


def _change_status(change: ChangeRequest) -> Response:
    return Response(ChangeStatusOut(change).data)


REVIEW_RESPONSES = {
    200: RecipientStatusOut,
    400: OpenApiResponse(ErrorOut, description="缺少必填内容（如退回原因），按字段的中文提示"),
    403: OpenApiResponse(ErrorOut, description="没有所需权限，或不是该档案当前的审核层级"),
    409: OpenApiResponse(ConflictOut, description="当前状态不能执行此操作（附可执行的步骤）"),
}
CHANGE_RESPONSES = {**REVIEW_RESPONSES, 200: ChangeStatusOut}


class RecipientSubmit(RecipientObjectView):
    @extend_schema(tags=[TAG], request=None, responses=REVIEW_RESPONSES, description="提交审核。")
    def post(self, request, pk):
        require_capability(request.user, "registry.edit")
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
        require_capability(request.user, "registry.review")
        data = read_input(RemarkIn, request)
        services.recipient_approve(actor=request.user, recipient=self.recipient, **data)
        return _status(pk)


class RecipientReturn(RecipientObjectView):
    @extend_schema(
        tags=[TAG], request=ReasonIn, responses=REVIEW_RESPONSES, description="退回（须填原因）。"
    )
    def post(self, request, pk):
        require_capability(request.user, "registry.review")
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
        require_capability(request.user, "registry.edit")
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
        require_capability(request.user, "registry.edit")
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
        require_capability(request.user, "registry.review")
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
        require_capability(request.user, "registry.review")
        data = read_input(ReasonIn, request)
        change = services.change_return(actor=request.user, recipient=self.recipient, **data)
        return _change_status(change)


class ChangeWithdraw(RecipientObjectView):
    @extend_schema(
        tags=[TAG], request=None, responses=CHANGE_RESPONSES, description="撤回变更申请。"
    )
    def post(self, request, pk):
        require_capability(request.user, "registry.edit")
        change = services.change_withdraw(actor=request.user, recipient=self.recipient)
        return _change_status(change)


class ReviewQueue(GenericAPIView):
    @extend_schema(
        tags=[TAG], responses=ReviewQueueOut, description="等待本级审核的档案和变更申请。"
    )
    def get(self, request):
        require_capability(request.user, "registry.review")
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
        require_capability(request.user, "registry.view")
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


# --- transfers -------------------------------------------------------------------------------


class TransferListCreate(GenericAPIView):
    @extend_schema(
        tags=[TRANSFER_TAG],
        responses=TransfersOut,
        description="本辖区提出的转移申请，以及等待本辖区审批的转移申请。",
    )
    def get(self, request):
        user = request.user
        if not any(has_capability(user, c) for c in ("registry.transfer", "registry.review")):
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
        require_capability(request.user, "registry.transfer")
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
            "registry.review",
            field="from_key",
            pk=kwargs["pk"],
        )

    @extend_schema(
        tags=[TRANSFER_TAG],
        request=TransferDecideIn,
        responses={
            200: TransferToDecideOut,
            400: OpenApiResponse(ErrorOut, description="拒绝时未填写理由（remark）"),
            409: OpenApiResponse(ConflictOut, description="该转移申请已处理"),
        },
        description="审批转移：同意则档案及其附属记录一次性迁入新辖区。",
    )
    def post(self, request, pk):
        data = read_input(TransferDecideIn, request)
        transfer = services.transfer_decide(actor=request.user, transfer=self.transfer, **data)
        return Response(TransferToDecideOut(transfer).data)


def _recipient(suffix: str, view, name: str):
    return path(f"recipients/<int:pk>/{suffix}", view.as_view(), name=name)


urlpatterns = [
    path("recipients/", RecipientListCreate.as_view(), name="recipient-list"),
    path("recipients/review-queue/", ReviewQueue.as_view(), name="recipient-review-queue"),
    path("recipients/counts/", CategoryCounts.as_view(), name="recipient-counts"),
    _recipient("", RecipientDetail, "recipient-detail"),
    _recipient("reveal/", RecipientReveal, "recipient-reveal"),
    path(
        "recipients/<int:pk>/sections/<str:key>/",
        RecipientSection.as_view(),
        name="recipient-section",
    ),
    _recipient("categories/", RecipientCategories, "recipient-categories"),
    _recipient("honours/", RecipientHonours, "recipient-honours"),
    _recipient("family/", RecipientFamily, "recipient-family"),
    _recipient("plan/", RecipientPlan, "recipient-plan"),
    _recipient("submit/", RecipientSubmit, "recipient-submit"),
    _recipient("approve/", RecipientApprove, "recipient-approve"),
    _recipient("return/", RecipientReturn, "recipient-return"),
    _recipient("withdraw/", RecipientWithdraw, "recipient-withdraw"),
    _recipient("change/submit/", ChangeSubmit, "recipient-change-submit"),
    _recipient("change/approve/", ChangeApprove, "recipient-change-approve"),
    _recipient("change/return/", ChangeReturn, "recipient-change-return"),
    _recipient("change/withdraw/", ChangeWithdraw, "recipient-change-withdraw"),
    path("transfers/", TransferListCreate.as_view(), name="transfer-list"),
    path("transfers/<int:pk>/decide/", TransferDecide.as_view(), name="transfer-decide"),
]
