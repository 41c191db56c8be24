"""Service catalogue (versioned), cases with their history, appointments, follow-up
callbacks, evaluations and the bad-review loop. Windows with their A and B, leave and lunch
duty are staffing's (junjia.staffing)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from junjia.core.models import StepRecord, TimeStampedModel
from junjia.core.personal import ID, PHONE, PersonalField

from .choices import (
    OPEN_STATUSES,
    AppointmentStatus,
    Area,
    CallbackMethod,
    CallbackStatus,
    CaseStatus,
    Channel,
    ExtensionStatus,
    HandoverDirection,
    LoopStage,
    RatingChannel,
    Satisfaction,
    SlotKind,
)

USER = settings.AUTH_USER_MODEL


class ServiceItem(TimeStampedModel):
    """A service item (事项). Its published content lives in versions; a case keeps the
    version it was opened under (公开承诺制, 000 §7)."""

    code = models.SlugField("事项编码", max_length=40, unique=True)
    name = models.CharField("事项名称", max_length=100)
    area = models.CharField("领域", max_length=20, choices=Area.choices)
    handling_levels = models.JSONField("办理层级", default=list)  # orgs Level values
    is_active = models.BooleanField("在用", default=True)
    current_version = models.ForeignKey(
        "ServiceItemVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "服务事项"
        verbose_name_plural = "服务事项"
        ordering = ["area", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceItemVersion(models.Model):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    legal_basis = models.TextField("设定依据")
    conditions = models.TextField("办理条件")
    # [{"name", "form" (MaterialForm), "count", "categories": [registry Category…] or [], "note"}]
    materials = models.JSONField("申请材料", default=list)
    procedure = models.JSONField("办理流程", default=list)  # ["窗口受理", "审核", …]
    time_limit_days = models.PositiveSmallIntegerField("承诺时限（工作日）")
    fee = models.CharField("收费标准", max_length=100, default="不收费")
    complaint = models.CharField("监督投诉方式", max_length=200)
    published_at = models.DateTimeField("发布时间", auto_now_add=True)
    published_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "服务事项版本"
        verbose_name_plural = "服务事项版本"
        ordering = ["item", "-number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="uniq_item_version")]

    def __str__(self) -> str:
        return f"{self.item.name} 第{self.number}版"


class Case(TimeStampedModel):
    number = models.CharField("办件编号", max_length=30, unique=True)
    item_version = models.ForeignKey(ServiceItemVersion, on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey("orgs.Station", on_delete=models.PROTECT, related_name="+")
    region_key = models.BigIntegerField(db_index=True)
    recipient = models.ForeignKey(
        "registry.Recipient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A walk-in not yet filed: captured minimally and linked to a file later.
    applicant_name = models.CharField("申请人", max_length=50)
    applicant_phone_enc = models.TextField(blank=True)
    applicant_phone_masked = models.CharField("联系电话", max_length=11, blank=True)
    applicant_id_enc = models.TextField(blank=True)
    applicant_id_index = models.CharField(max_length=64, blank=True, db_index=True)
    applicant_id_masked = models.CharField("身份证号码", max_length=18, blank=True)

    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    status = models.CharField("状态", max_length=15, choices=CaseStatus.choices)
    owner = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name="首办人"
    )
    window = models.ForeignKey(
        "staffing.WindowPost", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    materials = models.JSONField("材料核验", default=list)
    outside_remit = models.BooleanField("不属于本大厅职权范围", default=False)
    refusal_reason = models.TextField("不予受理理由", blank=True)
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    due_on = models.DateField("承诺办结日期", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    result = models.TextField("办理结果", blank=True)
    delay_service = models.BooleanField("延时服务", default=False)
    extended_days = models.PositiveSmallIntegerField("已延长（工作日）", default=0)
    # 上门服务 (000 §7): the condition that justifies it, the agreed time and place, outcome.
    doorstep_condition = models.CharField("上门原因", max_length=200, blank=True)
    doorstep_at = models.DateTimeField("约定上门时间", null=True, blank=True)
    doorstep_place = models.CharField("约定地点", max_length=200, blank=True)
    doorstep_outcome = models.TextField("上门办理情况", blank=True)
    # 帮办代办 (000 §7): who asked, for what, with what authorisation.
    proxy_requester = models.CharField("委托人", max_length=50, blank=True)
    proxy_relationship = models.CharField("与申请人关系", max_length=30, blank=True)
    proxy_authorisation = models.CharField("委托书/授权说明", max_length=200, blank=True)
    # Where the case came from when another module opened it (api.case_open_for_need): a
    # reference such as "visits:12" (a need found on a visit, issue 13) and its words.
    source_ref = models.CharField("来源", max_length=40, blank=True, db_index=True)
    source_label = models.CharField("来源说明", max_length=60, blank=True)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        indexes = [
            models.Index(fields=["owner", "status", "due_on"], name="case_owner_status_due"),
            models.Index(fields=["region_key", "status", "due_on"], name="case_region_status_due"),
            models.Index(fields=["status", "due_on"], name="case_status_due"),
            # The work list: each owner's open cases, due soonest first, the jurisdiction's
            # range checked inside the index (migration 0002 says why).
            models.Index(
                fields=["owner", "due_on", "created_at", "region_key"],
                name="case_open_owner_due",
                condition=Q(status__in=[status.value for status in OPEN_STATUSES]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.applicant_name}"


# A walk-in applicant's numbers (core.personal); an applicant with a file has the file's.
CASE_APPLICANT_ID = PersonalField(
    ID,
    aad=b"cases.applicant.id_number",
    model="cases.Case",
    enc="applicant_id_enc",
    masked="applicant_id_masked",
    index="applicant_id_index",
)
CASE_APPLICANT_PHONE = PersonalField(
    PHONE,
    aad=b"cases.applicant.phone",
    model="cases.Case",
    enc="applicant_phone_enc",
    masked="applicant_phone_masked",
)


class CaseStep(StepRecord):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")

    class Meta(StepRecord.Meta):
        verbose_name = "办件记录"
        verbose_name_plural = "办件记录"


class Extension(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField("延长工作日")
    reason = models.CharField("延期理由", max_length=200)
    status = models.CharField(
        max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"

    def __str__(self) -> str:
        return f"{self.case.number} 延期 {self.days} 个工作日"


class Handover(models.Model):
    """A recorded hand-over of materials between the person and the proxy clerk."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handovers")
    direction = models.CharField("方向", max_length=3, choices=HandoverDirection.choices)
    items = models.JSONField("材料清单", default=list)
    counterpart = models.CharField("交接人", max_length=50)
    receipt_no = models.CharField("回执编号", max_length=30, unique=True)
    clerk = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "材料交接"
        verbose_name_plural = "材料交接"
        ordering = ["at"]

    def __str__(self) -> str:
        return self.receipt_no


class AppointmentSlot(models.Model):
    station = models.ForeignKey("orgs.Station", on_delete=models.CASCADE, related_name="+")
    region_key = models.BigIntegerField(db_index=True)
    date = models.DateField("日期")
    start = models.TimeField("开始")
    end = models.TimeField("结束")
    kind = models.CharField("类型", max_length=12, choices=SlotKind.choices)
    capacity = models.PositiveSmallIntegerField("可预约人数")
    booked = models.PositiveSmallIntegerField("已预约", default=0)

    class Meta:
        verbose_name = "预约时段"
        verbose_name_plural = "预约时段"
        ordering = ["date", "start"]
        constraints = [
            models.UniqueConstraint(fields=["station", "date", "start", "kind"], name="uniq_slot"),
            models.CheckConstraint(
                condition=Q(booked__lte=models.F("capacity")), name="slot_not_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)


class Appointment(TimeStampedModel):
    slot = models.ForeignKey(AppointmentSlot, on_delete=models.PROTECT, related_name="appointments")
    region_key = models.BigIntegerField(db_index=True)
    code = models.CharField("预约码", max_length=12, unique=True)
    name = models.CharField("姓名", max_length=50)
    id_enc = models.TextField()
    id_index = models.CharField(max_length=64, db_index=True)
    id_masked = models.CharField("身份证号码", max_length=18)
    phone_enc = models.TextField()
    phone_index = models.CharField(max_length=64, db_index=True, default="")
    phone_masked = models.CharField("手机号码", max_length=11)
    item = models.ForeignKey(
        ServiceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("备注", max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    booked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "预约"
        verbose_name_plural = "预约"
        ordering = ["slot__date", "slot__start", "id"]
        constraints = [
            # One person holds at most one open place in a slot (issue 12 §3): the guard that
            # holds even when two requests pass the service's check at the same moment.
            models.UniqueConstraint(
                fields=["slot", "id_index"],
                condition=Q(status=AppointmentStatus.BOOKED),
                name="appointment_one_place_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# The booker's numbers, sealed with the applicant's associated data (one kind of column).
APPOINTMENT_ID = PersonalField(
    ID,
    aad=b"cases.applicant.id_number",
    model="cases.Appointment",
    enc="id_enc",
    masked="id_masked",
    index="id_index",
)
APPOINTMENT_PHONE = PersonalField(
    PHONE,
    aad=b"cases.applicant.phone",
    model="cases.Appointment",
    enc="phone_enc",
    masked="phone_masked",
    index="phone_index",
)


class Callback(TimeStampedModel):
    """Follow-up after completion (跟踪服务): a call or visit with outcome and satisfaction."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="callbacks")
    region_key = models.BigIntegerField(db_index=True)
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("回访期限")
    method = models.CharField(
        "方式", max_length=10, choices=CallbackMethod.choices, default=CallbackMethod.PHONE
    )
    status = models.CharField(
        max_length=10, choices=CallbackStatus.choices, default=CallbackStatus.DUE
    )
    outcome = models.TextField("回访情况", blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        "满意度", choices=Satisfaction.choices, null=True, blank=True
    )
    done_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} 回访"


class Evaluation(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="evaluation")
    region_key = models.BigIntegerField(db_index=True)
    score = models.PositiveSmallIntegerField("评价", choices=Satisfaction.choices)
    comment = models.TextField("意见建议", blank=True)
    channel = models.CharField("评价渠道", max_length=10, choices=RatingChannel.choices)
    entered_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Denormalised for analysis by clerk, item and month without joins.
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "服务评价"
        verbose_name_plural = "服务评价"

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_score_display()}"


class RectificationLoop(TimeStampedModel):
    """The closed loop opened by a rating below 满意 (000 §9)."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="loop")
    region_key = models.BigIntegerField(db_index=True)
    stage = models.CharField(
        "环节", max_length=10, choices=LoopStage.choices, default=LoopStage.FOUND
    )
    owner = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name="责任人"
    )
    due_on = models.DateField("本环节期限")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        ordering = ["due_on"]

    def __str__(self) -> str:
        return f"{self.evaluation.case.number} {self.get_stage_display()}"


class LoopRecord(models.Model):
    loop = models.ForeignKey(RectificationLoop, on_delete=models.CASCADE, related_name="records")
    stage = models.CharField(max_length=10, choices=LoopStage.choices)
    text = models.TextField("记录")
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.at:%Y-%m-%d}"
