"""Visit rules (走访慰问规则) as data: who, when, which level is responsible and what the
record must hold. A change publishes a new version; a retired rule is kept with its
versions; campaigns keep the version they were generated with. Events that make a visit
due (六必访) are recorded here too."""

from django.conf import settings
from django.db import models

from junjia.core.models import StepRecord, TimeStampedModel
from junjia.core.personal import PHONE, PersonalField
from junjia.orgs.choices import Level

from .choices import Anchor, CampaignStatus, EventKind, MemberState, Subject, Timing, VisitHow

USER = settings.AUTH_USER_MODEL


class VisitRule(TimeStampedModel):
    """A rule's identity and owner. National rules (the seeds') have no owner region; a
    county, city or province rule applies within its owner's region."""

    code = models.SlugField("规则编码", max_length=40, unique=True)
    name = models.CharField("规则名称", max_length=100)
    # Owner region's key range (orgs codes), denormalised so scoping needs no orgs query.
    region_key = models.BigIntegerField("制定单位区划", null=True, blank=True, db_index=True)
    region_key_high = models.BigIntegerField(null=True, blank=True)
    owner_name = models.CharField("制定单位", max_length=100, default="全国（依据文件）")
    current_version = models.ForeignKey(
        "VisitRuleVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)
    retired_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retire_reason = models.CharField("停用原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "走访慰问规则"
        verbose_name_plural = "走访慰问规则"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class VisitRuleVersion(models.Model):
    rule = models.ForeignKey(VisitRule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    # The seed file and section the rule comes from, or the owner's own document.
    source = models.CharField("依据", max_length=300)
    description = models.TextField("说明", blank=True)

    # Who: matching any of categories, flags, merits or pension (none given: every
    # recipient), then at least min_age years old.
    subject = models.CharField(
        "对象范围", max_length=10, choices=Subject.choices, default=Subject.LIVING
    )
    categories = models.JSONField("服务对象类别", default=list, blank=True)
    flags = models.JSONField("标记", default=list, blank=True)
    merits = models.JSONField("立功受奖", default=list, blank=True)
    pension = models.BooleanField("享受抚恤定补", default=False)
    min_age = models.PositiveSmallIntegerField("年龄不低于", null=True, blank=True)

    # When.
    timing = models.CharField("时间", max_length=15, choices=Timing.choices)
    month = models.PositiveSmallIntegerField("月", null=True, blank=True)  # fixed or lunar
    day = models.PositiveSmallIntegerField("日", null=True, blank=True)
    anchor = models.CharField(
        "起算日期", max_length=20, choices=Anchor.choices, blank=True
    )  # anniversary and event
    event_kind = models.CharField("事件", max_length=20, choices=EventKind.choices, blank=True)
    days_before = models.PositiveSmallIntegerField("提前天数", default=0)
    days_after = models.PositiveSmallIntegerField("之后天数", default=0)
    months_after = models.PositiveSmallIntegerField("之后月数", default=0)  # "1个月内"
    times_per_year = models.PositiveSmallIntegerField("每年至少次数", null=True, blank=True)

    # Which level is responsible, and what the record must hold.
    responsible_level = models.PositiveSmallIntegerField(
        "责任层级", choices=Level.choices, default=Level.VILLAGE
    )
    record_items = models.JSONField("记录须包含", default=list, blank=True)
    contact_counts = models.CharField(
        "计入方式",
        max_length=20,
        choices=[("home", "仅入户走访"), ("any", "电话、走访、座谈均计入")],
        default="home",
    )

    published_at = models.DateTimeField("发布时间", auto_now_add=True)
    published_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "走访慰问规则版本"
        verbose_name_plural = "走访慰问规则版本"
        ordering = ["rule", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="uniq_visit_rule_version")
        ]

    def __str__(self) -> str:
        return f"{self.rule.name} 第{self.number}版"


class VisitEvent(TimeStampedModel):
    """An event that makes a visit due (六必访 and 000's key visits): recorded by a clerk or
    raised by another module through api.py."""

    recipient = models.ForeignKey("registry.Recipient", on_delete=models.PROTECT, related_name="+")
    region_key = models.BigIntegerField(db_index=True)
    kind = models.CharField("事件", max_length=20, choices=EventKind.choices)
    occurred_on = models.DateField("发生日期")
    note = models.CharField("说明", max_length=200, blank=True)
    source = models.CharField("来源", max_length=60, blank=True)  # "cases:123", a module's ref
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The visit it makes due, worked out when it is recorded (services.event_record) from
    # the event rules in force for the person: the reasons (as a campaign member's), the
    # window, the most senior level any of them names and the person's station. Blank
    # visit_state: no rule in force makes a visit due for this event and person.
    station_key = models.BigIntegerField("所属服务站", null=True, blank=True)
    reasons = models.JSONField("走访原因", default=list, blank=True)
    opens = models.DateField("走访窗口开始", null=True, blank=True)
    closes = models.DateField("应走访日期", null=True, blank=True)
    responsible_level = models.PositiveSmallIntegerField(
        "责任层级", choices=Level.choices, null=True, blank=True
    )
    visit_state = models.CharField(
        "走访情况", max_length=10, choices=MemberState.choices, blank=True
    )
    visit = models.ForeignKey(
        "Visit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name="走访记录",
    )

    class Meta:
        verbose_name = "走访事件"
        verbose_name_plural = "走访事件"
        indexes = [
            models.Index(fields=["kind", "occurred_on"], name="visit_event_kind_on"),
            # The clerk's to-do and the events list: what is still due, within a key range.
            models.Index(fields=["visit_state", "region_key"], name="visit_event_state_region"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class VisitCampaign(TimeStampedModel):
    """A campaign (走访计划, e.g. 2027 春节走访) for a jurisdiction and a period: the people
    due under the rule versions it was made with, one responsible level for each."""

    name = models.CharField("计划名称", max_length=100)
    # The jurisdiction's key range (orgs codes), denormalised so scoping needs no orgs query.
    region_key = models.BigIntegerField("辖区", db_index=True)
    region_key_high = models.BigIntegerField()
    region_name = models.CharField("辖区名称", max_length=100)
    period_start = models.DateField("走访开始日期")
    period_end = models.DateField("走访结束日期")
    status = models.CharField(
        "状态", max_length=15, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    # The versions it was generated with: a later change of a rule does not touch it.
    rule_versions = models.ManyToManyField(VisitRuleVersion, related_name="+", verbose_name="规则")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    generated_at = models.DateTimeField("生成时间", null=True, blank=True)
    member_count = models.PositiveIntegerField("人数", default=0)
    # When coverage.refresh last counted its members (CoverageCount); shown as 数据更新于.
    coverage_at = models.DateTimeField("覆盖统计时间", null=True, blank=True)

    class Meta:
        verbose_name = "走访计划"
        verbose_name_plural = "走访计划"
        ordering = ["-period_start", "-id"]

    def __str__(self) -> str:
        return self.name


class CampaignStep(StepRecord):
    campaign = models.ForeignKey(VisitCampaign, on_delete=models.CASCADE, related_name="steps")

    class Meta(StepRecord.Meta):
        verbose_name = "走访计划记录"
        verbose_name_plural = "走访计划记录"


class VolunteerVisitor(TimeStampedModel):
    """A volunteer who visits without an account (000 志愿服务; issue 13: "a volunteer
    without an account is recorded by name"): the station that recorded them, the name and
    an optional mobile number, stored through core.personal (encrypted, masked, indexed)."""

    station_key = models.BigIntegerField("所属服务站", db_index=True)
    name = models.CharField("姓名", max_length=50)
    phone_enc = models.TextField("手机号码（密文）", blank=True)
    phone_index = models.CharField(max_length=64, blank=True)
    phone_masked = models.CharField("手机号码", max_length=11, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "志愿走访人员"
        verbose_name_plural = "志愿走访人员"
        ordering = ["station_key", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["station_key", "name", "phone_index"], name="uniq_volunteer_visitor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（志愿者）"


VOLUNTEER_PHONE = PersonalField(
    PHONE,
    aad=b"visits.volunteer.phone",
    model="visits.VolunteerVisitor",
    enc="phone_enc",
    masked="phone_masked",
    index="phone_index",
)


class CampaignMember(models.Model):
    """A person due in a campaign: the reasons (the rule versions that made them due, each
    with its window), the station they are grouped under and the one level responsible."""

    campaign = models.ForeignKey(VisitCampaign, on_delete=models.CASCADE, related_name="members")
    recipient = models.ForeignKey("registry.Recipient", on_delete=models.PROTECT, related_name="+")
    region_key = models.BigIntegerField("户籍所在地")
    # The region key of the person's station (the village's own, or the nearest above).
    station_key = models.BigIntegerField("所属服务站")
    responsible_level = models.PositiveSmallIntegerField(
        "责任层级", choices=Level.choices, default=Level.VILLAGE
    )
    # [{"rule": code, "name": …, "version": number, "opens": iso date, "closes": iso date}]
    reasons = models.JSONField("走访原因", default=list)
    opens = models.DateField("走访窗口开始")
    closes = models.DateField("走访窗口结束")
    visit_state = models.CharField(
        "走访情况", max_length=10, choices=MemberState.choices, default=MemberState.DUE
    )
    # False: no longer due at the last re-generation, kept because it was handled.
    still_due = models.BooleanField("仍符合条件", default=True)
    reassigned_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reassigned_at = models.DateTimeField(null=True, blank=True)
    reassign_reason = models.CharField("调整原因", max_length=200, blank=True)
    # Who goes (issue 13 "Assignment to staff and to volunteer visitors"): a member of staff
    # and/or a volunteer recorded by name; set by the responsible station (services.
    # member_assign), apart from the responsible level.
    visitor = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="走访人员",
    )
    volunteer = models.ForeignKey(
        VolunteerVisitor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name="志愿走访人员",
    )
    assigned_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField("分派时间", null=True, blank=True)

    class Meta:
        verbose_name = "走访计划人员"
        verbose_name_plural = "走访计划人员"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "recipient"], name="uniq_campaign_member")
        ]
        indexes = [
            models.Index(fields=["campaign", "station_key", "id"], name="campaign_member_station"),
            models.Index(fields=["campaign", "region_key"], name="campaign_member_region"),
            # A visitor's route list (走访路线单): her people still due, soonest closing first.
            models.Index(
                fields=["visitor", "closes"],
                name="campaign_member_visitor",
                condition=models.Q(visitor__isnull=False, visit_state="due"),
            ),
            models.Index(
                fields=["volunteer", "closes"],
                name="campaign_member_volunteer",
                condition=models.Q(volunteer__isnull=False, visit_state="due"),
            ),
            # A clerk's visits due (todo.visits_due): her region's people still due, soonest
            # closing first, without walking the whole province's due list by date.
            models.Index(
                fields=["region_key", "closes"],
                name="campaign_member_due_region",
                condition=models.Q(visit_state="due"),
            ),
            # The deadline scan: running members by the window's last and first day.
            models.Index(fields=["visit_state", "closes"], name="campaign_member_due"),
            models.Index(fields=["visit_state", "opens"], name="campaign_member_opens"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.recipient_id}"

    @property
    def is_handled(self) -> bool:
        return self.visit_state != MemberState.DUE


class BudgetLine(TimeStampedModel):
    """A budget line (经费来源) comfort money is paid from, kept by a county (or a city or the
    province) for its region: the visit form offers the lines in force where the person
    lives, so the comfort-money ledger's totals per line add up under one name each. A
    visit keeps the line's name as it was paid (a later rename or retirement leaves it)."""

    name = models.CharField("经费来源", max_length=100)
    region_key = models.BigIntegerField("设立单位区划", db_index=True)
    region_key_high = models.BigIntegerField()
    owner_name = models.CharField("设立单位", max_length=100)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = "经费来源"
        verbose_name_plural = "经费来源"
        ordering = ["region_key", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region_key", "name"], name="uniq_budget_line_name")
        ]

    def __str__(self) -> str:
        return self.name


class Visit(TimeStampedModel):
    """A visit recorded (走访记录, issue 13 "Recording a visit"): when, who visited, how,
    whom they met, the seven situations of 001 附件第五部分 三(一), the needs found and the
    comfort given (慰问金 in fen, the budget line, 慰问品). Linked to the campaign member it
    answers, if any. `client_key` makes the API's create idempotent per creating user."""

    recipient = models.ForeignKey("registry.Recipient", on_delete=models.PROTECT, related_name="+")
    # The person's household region and station at the time, denormalised for scoping
    # and the station's ledger (走访台账).
    region_key = models.BigIntegerField("户籍所在地", db_index=True)
    station_key = models.BigIntegerField("所属服务站")
    member = models.ForeignKey(
        CampaignMember,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
        verbose_name="走访计划人员",
    )
    campaign = models.ForeignKey(
        VisitCampaign,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
        verbose_name="走访计划",
    )
    visited_at = models.DateTimeField("走访时间")
    visitors = models.ManyToManyField(USER, related_name="+", verbose_name="走访人员")
    volunteer_visitors = models.CharField("志愿者等其他走访人员", max_length=200, blank=True)
    how = models.CharField("走访方式", max_length=10, choices=VisitHow.choices)
    met = models.CharField("接待人", max_length=100)
    service_situation = models.TextField("服役状况", blank=True)
    family_situation = models.TextField("家庭状况", blank=True)
    health_situation = models.TextField("健康状况", blank=True)
    income_situation = models.TextField("收入状况", blank=True)
    employment_situation = models.TextField("就业状况", blank=True)
    thoughts_situation = models.TextField("思想状况", blank=True)
    needs_situation = models.TextField("需求状况", blank=True)
    needs_found = models.TextField("了解的需求", blank=True)
    money_fen = models.PositiveIntegerField("慰问金（分）", default=0)
    budget_line = models.CharField("经费来源", max_length=100, blank=True)
    goods = models.CharField("慰问品", max_length=200, blank=True)
    # True where this visit made its campaign member "visited" (a phone call under a rule
    # that counts home visits only does not).
    counted = models.BooleanField("计入走访计划", default=False)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    client_key = models.CharField("客户端幂等键", max_length=64, blank=True)
    # The recipient's acknowledgement of the comfort given (慰问金/慰问品): drawn on the
    # phone's screen, or a photo of the form she signed on paper. Expected with money but
    # not required (the seeds ask for none: 001 附件第五部分); a payment without either is
    # shown 未签收. Served only through the scoped view (visit_views.visit_file).
    signature = models.ImageField("签收签名", upload_to="visits/signatures/%Y/%m/", blank=True)
    signed_form_photo = models.ImageField(
        "签收单照片", upload_to="visits/signatures/%Y/%m/", blank=True
    )

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["-visited_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recorded_by", "client_key"],
                condition=~models.Q(client_key=""),
                name="uniq_visit_client_key",
            )
        ]
        indexes = [
            models.Index(fields=["station_key", "visited_at"], name="visit_station_at"),
            models.Index(fields=["recipient", "visited_at"], name="visit_recipient_at"),
        ]

    def __str__(self) -> str:
        return f"走访记录 {self.pk}"

    @property
    def money_yuan(self) -> str:
        return f"{self.money_fen // 100}.{self.money_fen % 100:02d}"

    @property
    def comfort_given(self) -> bool:
        return bool(self.money_fen or self.goods)

    @property
    def is_signed(self) -> bool:
        """Whether the recipient signed for the comfort given (签收): a signature drawn on the
        phone's screen or a photo of the form signed on paper. The one place the visit page,
        the API and the comfort-money ledger, its print page and its export ask."""
        return bool(self.signature or self.signed_form_photo)


class VisitPhoto(models.Model):
    """A photo taken at the visit (issue 13 "Recording a visit"), shrunk on the phone before
    upload; served only through the scoped, audited view, never a public media URL."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField("照片", upload_to="visits/photos/%Y/%m/")
    order = models.PositiveSmallIntegerField("顺序", default=0)
    taken_at = models.DateTimeField("拍摄时间", null=True, blank=True)
    size = models.PositiveIntegerField("大小（字节）", default=0)

    class Meta:
        verbose_name = "走访照片"
        verbose_name_plural = "走访照片"
        ordering = ["visit", "order", "id"]

    def __str__(self) -> str:
        return f"走访照片 {self.pk}"


# --- coverage (覆盖情况; coverage.py, ADR 0024) ----------------------------------------------


class CoverageCount(models.Model):
    """A campaign's counts for one region — the person's household village and every region
    above it up to the province — recomputed by coverage.refresh every 45 s, so a province's
    page reads a handful of rows instead of counting a million members."""

    campaign = models.ForeignKey(VisitCampaign, on_delete=models.CASCADE, related_name="+")
    region_key = models.BigIntegerField()
    parent_key = models.BigIntegerField(null=True, blank=True)  # None: the province
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    # Due: every member (still due, or kept because visited); visited; overdue: still due
    # after their window closed.
    due = models.PositiveIntegerField(default=0)
    visited = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "region_key"], name="uniq_coverage_region")
        ]
        # A region's children, their keys in the index too: a reader's key range is then an
        # index condition, not a filter over a province's rows.
        indexes = [
            models.Index(fields=["campaign", "parent_key", "region_key"], name="coverage_parent")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.region_key} {self.visited}/{self.due}"


class ContactCount(models.Model):
    """Contact coverage (联系全覆盖, 003 第41项) for one region and every region above it: the
    living recipients on file, those with a named responsible contact, those contacted at
    least the target number of times this year (ContactRefresh); recomputed with the
    campaigns' counts."""

    region_key = models.BigIntegerField(unique=True)
    parent_key = models.BigIntegerField(null=True, blank=True)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    living = models.PositiveIntegerField(default=0)
    with_contact = models.PositiveIntegerField(default=0)
    reached = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["parent_key", "region_key"], name="contact_parent")]

    def __str__(self) -> str:
        return f"{self.region_key} {self.reached}/{self.living}"


class ContactRefresh(models.Model):
    """When the contact counts were last computed, for which year and target (one row)."""

    computed_at = models.DateTimeField()
    year = models.PositiveSmallIntegerField()
    target = models.PositiveSmallIntegerField()

    def __str__(self) -> str:
        return f"{self.year} {self.computed_at}"


class ContactPerson(TimeStampedModel):
    """The named responsible contact of a recipient (联系责任人, 003 第41项; 001 附件第五部分
    三(四) 联系人制度): a member of staff, or someone without an account recorded by name.
    Set by the station that reaches the person (contact_assign)."""

    recipient = models.OneToOneField(
        "registry.Recipient", on_delete=models.PROTECT, related_name="+"
    )
    region_key = models.BigIntegerField(db_index=True)  # the person's household region
    staff = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("联系责任人", max_length=50)
    assigned_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "联系责任人"
        verbose_name_plural = "联系责任人"

    def __str__(self) -> str:
        return self.name
