"""Petitions (信访): one row per petition as registered, its history of steps, its
handlers (whose content they may read) and its attachments (001 附件第七部分; issue 15)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from junjia.core.models import StepRecord, TimeStampedModel
from junjia.core.personal import ID, PHONE, PersonalField

from .choices import Channel, MatterType, PetitionStatus, Satisfaction

USER = settings.AUTH_USER_MODEL


class Petition(TimeStampedModel):
    """A petition from any channel. `region_key` is the lowest station that has held it
    (where it was registered, or the station it was handed down to): everyone whose
    jurisdiction reaches it sees that it exists; its content is for its handlers, their
    heads and the jurisdiction's leaders (permissions.py)."""

    number = models.CharField("信访编号", max_length=40, unique=True)
    # What the petitioner types on the portal with the identity number to follow it.
    query_code = models.CharField("查询码", max_length=12, db_index=True)
    channel = models.CharField("信访渠道", max_length=12, choices=Channel.choices)
    received_on = models.DateField("收到日期")

    station = models.ForeignKey(
        "orgs.Station", on_delete=models.PROTECT, related_name="+", verbose_name="登记单位"
    )
    region_key = models.BigIntegerField("所属区划", db_index=True)
    handling_station = models.ForeignKey(
        "orgs.Station", on_delete=models.PROTECT, related_name="+", verbose_name="办理单位"
    )
    registered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    # 首办负责制: the first handler at the handling station; None while a handed-down,
    # escalated or review matter waits to be taken up there.
    owner = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # 领导包案: the named leader takes part in each step (and concludes it).
    leader = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The petitioner: linked to the registry where on file, else registered minimally.
    recipient = models.ForeignKey(
        "registry.Recipient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    petitioner_name = models.CharField("信访人姓名", max_length=50)
    petitioner_id_enc = models.TextField(blank=True)
    petitioner_id_masked = models.CharField("身份证号码", max_length=18)
    petitioner_id_index = models.CharField(max_length=64)
    petitioner_phone_enc = models.TextField(blank=True)
    petitioner_phone_masked = models.CharField("联系电话", max_length=11, blank=True)
    petitioner_address = models.CharField("联系地址", max_length=200, blank=True)

    matter_type = models.CharField("事项类别", max_length=15, choices=MatterType.choices)
    matter = models.TextField("信访事项（事实和理由）")
    demands = models.TextField("诉求")
    is_group = models.BooleanField("集体访", default=False)
    people_count = models.PositiveSmallIntegerField("人数", default=1)
    representatives = models.CharField("代表", max_length=200, blank=True)
    skips_level = models.BooleanField("越级信访", default=False)

    status = models.CharField(
        "状态", max_length=15, choices=PetitionStatus.choices, default=PetitionStatus.REGISTERED
    )
    due_on = models.DateField("期限", null=True, blank=True)
    paused_on = models.DateField("期限暂停日", null=True, blank=True)

    accepted_on = models.DateField("受理日期", null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField("延长天数", default=0)
    extension_reason = models.CharField("延期理由", max_length=300, blank=True)
    transfer_department = models.CharField("转送部门", max_length=100, blank=True)
    transfer_receipt = models.CharField("转送回执", max_length=100, blank=True)
    reply = models.TextField("书面答复意见", blank=True)
    reply_on = models.DateField("答复日期", null=True, blank=True)
    satisfaction = models.CharField(
        "信访人满意度", max_length=12, choices=Satisfaction.choices, blank=True
    )
    review_opinion = models.TextField("复查意见", blank=True)
    reviewed_on = models.DateField("复查意见日期", null=True, blank=True)
    recheck_opinion = models.TextField("复核意见", blank=True)
    rechecked_on = models.DateField("复核意见日期", null=True, blank=True)

    # A repeat (same person, same matter) is kept as registered and merged into the first.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="repeats"
    )
    repeat_count = models.PositiveIntegerField("重复信访次数", default=0)

    class Meta:
        verbose_name = "信访件"
        verbose_name_plural = "信访件"
        ordering = ["-received_on", "-id"]
        indexes = [
            # The repeat check at registration: the first of the person's matter.
            models.Index(
                fields=["petitioner_id_index", "matter_type", "id"],
                condition=Q(merged_into__isnull=True),
                name="petition_repeat",
            ),
            models.Index(fields=["status", "due_on"], name="petition_status_due"),
            models.Index(fields=["owner", "status", "due_on"], name="petition_owner_due"),
            models.Index(
                fields=["handling_station", "status", "due_on"], name="petition_station_due"
            ),
            models.Index(fields=["region_key", "received_on"], name="petition_region_day"),
        ]

    def __str__(self) -> str:
        return f"信访件 {self.number}"


PETITIONER_ID = PersonalField(
    ID,
    aad=b"petitions.petitioner.id_number",
    model="petitions.Petition",
    enc="petitioner_id_enc",
    masked="petitioner_id_masked",
    index="petitioner_id_index",
)
PETITIONER_PHONE = PersonalField(
    PHONE,
    aad=b"petitions.petitioner.phone",
    model="petitions.Petition",
    enc="petitioner_phone_enc",
    masked="petitioner_phone_masked",
)


class PetitionStep(StepRecord):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="steps")
    station_name = models.CharField("办理单位", max_length=100, blank=True)

    class Meta(StepRecord.Meta):
        verbose_name = "信访办理步骤"
        verbose_name_plural = "信访办理步骤"


class PetitionHandler(models.Model):
    """Everyone who has handled the petition (registered it, taken it up, owns it as its
    leader): they keep reading its content."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="handlers")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "petition"], name="uniq_petition_handler")
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}:{self.user_id}"


def attachment_path(instance, filename: str) -> str:
    return f"petitions/{instance.petition_id}/{filename}"


class PetitionAttachment(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("附件", upload_to=attachment_path)
    name = models.CharField("文件名", max_length=200)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "信访附件"
        verbose_name_plural = "信访附件"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
