"""Shared models: audit log and its seals, working-day calendar, background jobs."""

import uuid

from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    VIEW = "view", "查看个人信息"
    EXPORT = "export", "导出"
    IMPORT = "import", "导入"
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"
    SECURITY = "security", "安全操作"
    # A refused security-relevant attempt (三员分立 and the like): the refusal is itself
    # audited (GB/T 22239-2019 §8.1.5).
    REFUSED = "security.refused", "越权操作被拒绝"


class AuditEntry(models.Model):
    """One audited event. Append-only: database triggers refuse UPDATE and DELETE."""

    at = models.DateTimeField("时间", db_index=True)
    actor_id = models.BigIntegerField("操作人ID", null=True, db_index=True)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True)
    action = models.CharField("动作", max_length=20, choices=AuditAction.choices)
    # Filtered by equality only: the (object_type, object_id) index serves it (0006).
    object_type = models.CharField("对象类型", max_length=80)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    # The person whose data was viewed or changed (recipient id), for "who looked at whom".
    subject_id = models.CharField("涉及人员", max_length=64, blank=True, db_index=True)
    region_key = models.BigIntegerField("所属区划", null=True, db_index=True)
    changes = models.JSONField("变更前后", default=dict, blank=True)
    extra = models.JSONField("附加信息", default=dict, blank=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_action_display()}"


class AuditSeal(models.Model):
    """Position of one audit entry in the keyed hash chain. Append-only like the log."""

    seq = models.BigIntegerField("链序号", primary_key=True)
    entry_id = models.BigIntegerField("审计日志ID", unique=True)
    chain_hash = models.CharField("链哈希", max_length=128)
    sealed_at = models.DateTimeField("封存时间", db_index=True)

    class Meta:
        verbose_name = "审计封存"
        verbose_name_plural = "审计封存"

    def __str__(self) -> str:
        return f"#{self.seq} → {self.entry_id}"


class CalendarSource(models.TextChoices):
    PACKAGE = "package", "chinese-calendar 软件包"
    ADMIN = "admin", "管理员录入"


class CalendarYear(models.Model):
    """A year whose statutory schedule is known. Dates in other years are refused."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("来源", max_length=10, choices=CalendarSource.choices)
    notice = models.CharField("依据（国务院办公厅通知）", max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField("录入时间", auto_now=True)

    class Meta:
        verbose_name = "工作日历年度"
        verbose_name_plural = "工作日历年度"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年"


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "法定节假日（休息）"
    WORKDAY = "workday", "调休上班"


class CalendarDay(models.Model):
    """An exception to the Monday–Friday rule: a holiday on a weekday or a make-up workday."""

    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=DayKind.choices)
    name = models.CharField("节日", max_length=40, blank=True)

    class Meta:
        verbose_name = "节假日/调休"
        verbose_name_plural = "节假日/调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


class Job(TimeStampedModel):
    """A background job a person started, with progress they can watch."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("类型", max_length=60)
    title = models.CharField("名称", max_length=200)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs"
    )
    region_key = models.BigIntegerField("所属区划", db_index=True)
    status = models.CharField(
        "状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    done = models.PositiveIntegerField("已处理", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    message = models.TextField("说明", blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    result_file = models.FileField("结果文件", upload_to="jobs/%Y/%m/", blank=True)
    task_result_id = models.CharField("任务ID", max_length=64, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class RotationCheckpoint(TimeStampedModel):
    """How far key rotation got for one model and target key, so it can resume."""

    model_label = models.CharField(max_length=100)
    key_id = models.CharField(max_length=32)
    last_pk = models.BigIntegerField(default=0)
    finished = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["model_label", "key_id"], name="uniq_rotation_checkpoint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_label} → {self.key_id}: {self.last_pk}"


class Notification(models.Model):
    """A message to one member of staff (deadlines, work handed over, bad ratings)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.CharField("内容", max_length=300)
    link = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.text


class DeadlineEvent(models.Model):
    """That a deadline of a workflow's object reached a stage — due soon, overdue, escalated —
    and its people were told. One row per (workflow, object, kind, due date): the scanner
    tells each event once, and a moved due date is a new deadline."""

    workflow = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    kind = models.CharField(max_length=10)
    due_on = models.DateField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "期限提醒"
        verbose_name_plural = "期限提醒"
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "object_id", "kind", "due_on"], name="deadline_event_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.workflow}:{self.object_id} {self.kind} {self.due_on}"


class StepRecord(models.Model):
    """The one shape of a workflow's history row: who, when, from which status to which, the
    remark, and extra data (a paused clock, a new due date). Apps subclass it with the
    object the step belongs to; the kernel hands them a Step to write (core.workflow)."""

    action = models.CharField("操作", max_length=30)
    from_status = models.CharField(max_length=15, blank=True)
    to_status = models.CharField(max_length=15)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    remark = models.TextField("备注", blank=True)
    extra = models.JSONField("附加信息", null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.action
