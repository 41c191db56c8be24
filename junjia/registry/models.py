"""The recipient file (一人一档): basic information, sections, categories, honours, family,
documents, review history, change requests and transfers (000 §6.1)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from junjia.core.models import StepRecord, TimeStampedModel
from junjia.core.personal import ID, PHONE, PersonalField

from .choices import (
    Branch,
    Category,
    ChangeStatus,
    DisabilityCause,
    DisabilityGrade,
    DocumentKind,
    Education,
    FileStatus,
    Gender,
    Hardship,
    MeritKind,
    Placement,
    PoliticalStatus,
    Relationship,
    TransferStatus,
)


class Recipient(TimeStampedModel):
    """One person's file. Identity number and phone are stored encrypted; look-ups go
    through keyed hashes (blind indexes); lists show only the masked forms."""

    # Jurisdiction: the household-registration region; its key decides who may see the file.
    household_region = models.ForeignKey(
        "orgs.Region", on_delete=models.PROTECT, related_name="+", verbose_name="户籍所在地"
    )
    region_key = models.BigIntegerField("所属区划", db_index=True)

    status = models.CharField(
        "状态", max_length=10, choices=FileStatus.choices, default=FileStatus.DRAFT
    )
    review_level = models.PositiveSmallIntegerField("待审核层级", null=True, blank=True)
    approved_at = models.DateTimeField("审核通过时间", null=True, blank=True)
    last_verified_at = models.DateTimeField("最近核实时间", null=True, blank=True, db_index=True)

    id_number_enc = models.TextField("身份证号码（密文）")
    id_index = models.CharField("身份证号码索引", max_length=64)
    id_masked = models.CharField("身份证号码", max_length=18)
    id_tail4_index = models.CharField(max_length=16)
    id_tail6_index = models.CharField(max_length=16)

    name = models.CharField("姓名", max_length=50)
    name_pinyin = models.CharField("姓名全拼", max_length=200)
    name_initials = models.CharField("姓名首字母", max_length=50)
    former_names = models.CharField("曾用名", max_length=100, blank=True)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    phone_enc = models.TextField("手机号码（密文）", blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField("手机号码", max_length=11, blank=True)
    current_address = models.CharField("现居住地址", max_length=200, blank=True)
    political_status = models.CharField(
        "政治面貌", max_length=20, choices=PoliticalStatus.choices, blank=True
    )
    education = models.CharField("文化程度", max_length=30, choices=Education.choices, blank=True)
    photo = models.ImageField("照片", upload_to="recipients/photos/%Y/", blank=True)

    # Military service (columns because later rules and lists filter on them).
    enlistment_date = models.DateField("入伍时间", null=True, blank=True)
    discharge_date = models.DateField("退役时间", null=True, blank=True)
    branch = models.CharField("军种", max_length=30, choices=Branch.choices, blank=True)
    placement = models.CharField("安置方式", max_length=30, choices=Placement.choices, blank=True)
    hardship = models.CharField(
        "困难状况", max_length=20, choices=Hardship.choices, blank=True, default=""
    )

    combat_veteran = models.BooleanField("参战参试", default=False)
    pre1949_veteran = models.BooleanField("建国前参加革命的老战士", default=False)
    empty_nest = models.BooleanField("空巢/独居", default=False)
    migrant_family = models.BooleanField("外出务工家庭", default=False)

    death_date = models.DateField("去世日期", null=True, blank=True)
    # Free-form section details (unit, rank, speciality, party life, employment, training,
    # pension notes …), each validated by its section form; see sections.py.
    sections = models.JSONField("分项信息", default=dict, blank=True)
    plan = models.TextField("一人一策", blank=True)
    responsible_clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="责任经办人",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="建档人",
    )

    class Meta:
        verbose_name = "服务对象档案"
        verbose_name_plural = "服务对象档案"
        constraints = [
            # One person, one file: a withdrawn draft frees the number for a new file.
            models.UniqueConstraint(
                fields=["id_index"], condition=~Q(status="withdrawn"), name="uniq_live_id_number"
            ),
        ]
        indexes = [
            models.Index(fields=["region_key", "name_pinyin", "id"], name="recip_region_pinyin"),
            models.Index(fields=["name_initials", "region_key"], name="recip_initials_region"),
            models.Index(fields=["name_pinyin", "region_key"], name="recip_pinyin_region"),
            models.Index(fields=["id_tail4_index", "region_key"], name="recip_tail4_region"),
            models.Index(fields=["id_tail6_index", "region_key"], name="recip_tail6_region"),
            models.Index(fields=["id_index"], name="recip_id_index"),
            models.Index(fields=["region_key", "birth_date"], name="recip_region_birth"),
            models.Index(fields=["status", "region_key"], name="recip_status_region"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_masked}）"

    @property
    def is_deceased(self) -> bool:
        return self.death_date is not None


# The file's numbers (core.personal): sealed, opened and rotated through these declarations.
RECIPIENT_ID = PersonalField(
    ID,
    aad=b"registry.recipient.id_number",
    model="registry.Recipient",
    enc="id_number_enc",
    masked="id_masked",
    index="id_index",
    tails=(("id_tail4_index", 4), ("id_tail6_index", 6)),  # the search box's tails
)
RECIPIENT_PHONE = PersonalField(
    PHONE,
    aad=b"registry.recipient.phone",
    model="registry.Recipient",
    enc="phone_enc",
    masked="phone_masked",
    index="phone_index",
)


class CategoryMembership(models.Model):
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField("类别", max_length=30, choices=Category.choices)
    start_date = models.DateField("起始日期", null=True, blank=True)
    end_date = models.DateField("终止日期", null=True, blank=True)
    disability_grade = models.PositiveSmallIntegerField(
        "伤残等级", choices=DisabilityGrade.choices, null=True, blank=True
    )
    disability_cause = models.CharField(
        "伤残性质", max_length=10, choices=DisabilityCause.choices, blank=True
    )
    # Denormalised for counts by category within a jurisdiction.
    region_key = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = "服务对象类别"
        verbose_name_plural = "服务对象类别"
        indexes = [models.Index(fields=["category", "region_key"], name="cat_category_region")]

    def __str__(self) -> str:
        return self.get_category_display()


class Honour(models.Model):
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="honours")
    kind = models.CharField("立功受奖", max_length=20, choices=MeritKind.choices)
    title = models.CharField("名称/称号", max_length=100, blank=True)
    awarded_on = models.DateField("时间", null=True, blank=True)

    class Meta:
        verbose_name = "立功受奖"
        verbose_name_plural = "立功受奖"
        ordering = ["awarded_on", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class FamilyMember(models.Model):
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="family")
    name = models.CharField("姓名", max_length=50)
    relationship = models.CharField("关系", max_length=20, choices=Relationship.choices)
    birth_year = models.PositiveSmallIntegerField("出生年份", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_relationship_display()}）"


class RecipientDocument(models.Model):
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("材料", max_length=30, choices=DocumentKind.choices)
    file = models.FileField("文件", upload_to="recipients/docs/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "档案材料"
        verbose_name_plural = "档案材料"
        ordering = ["kind", "-uploaded_at"]

    def __str__(self) -> str:
        return self.get_kind_display()


class ChangeRequest(TimeStampedModel):
    """A proposed change to an approved file; the approved data stays in force until the
    change is approved. `proposed` is a whole-file snapshot (see snapshots.py)."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="changes")
    region_key = models.BigIntegerField(db_index=True)
    status = models.CharField(
        max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.DRAFT
    )
    review_level = models.PositiveSmallIntegerField(null=True, blank=True)
    base = models.JSONField("变更前")
    proposed = models.JSONField("变更后")
    reason = models.CharField("变更原因", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "档案变更申请"
        verbose_name_plural = "档案变更申请"
        constraints = [
            models.UniqueConstraint(
                fields=["recipient"],
                condition=Q(status__in=["draft", "submitted", "returned"]),
                name="one_open_change_per_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient.name} 的变更（{self.get_status_display()}）"


class ReviewStep(StepRecord):
    """Every step of collection and review: who, when, from which status to which, why."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="steps")
    change = models.ForeignKey(
        ChangeRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="steps"
    )
    # The shared shape, with the column sizes this table was created with.
    action = models.CharField("操作", max_length=20)
    from_status = models.CharField(max_length=10)
    to_status = models.CharField(max_length=10)
    level = models.PositiveSmallIntegerField("层级", null=True, blank=True)
    station_name = models.CharField("单位", max_length=100, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)
    remark = models.TextField("意见", blank=True)

    class Meta(StepRecord.Meta):
        verbose_name = "审核记录"
        verbose_name_plural = "审核记录"

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d}"


class TransferRequest(TimeStampedModel):
    """A household move (户籍迁移): asked by the receiving station, approved by the sending
    side or their common ancestor; the file and everything attached move in one go."""

    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="transfers")
    from_region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    to_region = models.ForeignKey("orgs.Region", on_delete=models.PROTECT, related_name="+")
    from_key = models.BigIntegerField(db_index=True)
    to_key = models.BigIntegerField(db_index=True)
    status = models.CharField(
        max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    reason = models.CharField("迁移原因", max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    remark = models.CharField("审批意见", max_length=200, blank=True)

    class Meta:
        verbose_name = "档案转移"
        verbose_name_plural = "档案转移"
        constraints = [
            models.UniqueConstraint(
                fields=["recipient"], condition=Q(status="pending"), name="one_pending_transfer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient.name} 迁往 {self.to_region.name}"


class Ledger(TimeStampedModel):
    """A saved filter (台账) with an owner, exportable to Excel."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    region_key = models.BigIntegerField(db_index=True)
    name = models.CharField("台账名称", max_length=100)
    params = models.JSONField("筛选条件", default=dict)

    class Meta:
        verbose_name = "台账"
        verbose_name_plural = "台账"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CategoryCount(models.Model):
    """Recipients per category per county, recomputed every minute (counts for a county or a
    province are then a handful of rows, never more than a minute stale)."""

    county_key = models.BigIntegerField()
    category = models.CharField(max_length=30, choices=Category.choices)
    count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["county_key", "category"], name="uniq_county_category")
        ]

    def __str__(self) -> str:
        return f"{self.county_key} {self.category} {self.count}"
