"""The registry API's input and output shapes (masked values only) and shared constants."""

from types import SimpleNamespace

from django import forms as django_forms
from drf_spectacular.utils import (
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from junjia.core.personal.serializers import IdNumberSerializerField, MobileSerializerField
from junjia.orgs.api import Level

from .. import forms, selectors, services
from ..choices import (
    FLAG_FIELDS,
    DocumentKind,
    Gender,
)
from ..models import TransferRequest
from ..sections import SECTIONS
from ..snapshots import diff, section_values
from ..views import reads

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
    id_number = IdNumberSerializerField(help_text="公民身份号码，18 位（旧版 15 位自动转换）")
    name = serializers.CharField(
        max_length=50, error_messages={"required": "请填写姓名。", "blank": "请填写姓名。"}
    )
    phone = MobileSerializerField(required=False, allow_blank=True, default="")
    gender = serializers.ChoiceField(
        choices=Gender.choices, required=False, allow_blank=True, help_text="须与号码一致"
    )
    birth_date = serializers.DateField(required=False, allow_null=True, help_text="须与号码一致")

    def validate_household_region(self, code):
        region = reads.region_by_code(self.context["actor"], code)
        if region is None:
            raise ValidationError(forms.REGION_UNKNOWN.format(code=code))
        return region


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
    id_number = IdNumberSerializerField()
    to_region = serializers.CharField(
        max_length=12,
        help_text="迁入地：辖区内乡镇（街道）或村（社区）的区划代码",
        error_messages={"required": forms.REGION_REQUIRED, "blank": forms.REGION_REQUIRED},
    )
    reason = serializers.CharField(
        max_length=200,
        error_messages={"required": "请填写迁移原因。", "blank": "请填写迁移原因。"},
    )

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
