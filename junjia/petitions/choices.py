"""Choices of petitions (信访), importable by every app."""

from django.db import models


class Channel(models.TextChoices):
    """How a petition came in (001 附件第七部分 二; issue 15)."""

    LETTER = "letter", "来信"
    VISIT = "visit", "来访"
    PHONE = "phone", "来电"
    ONLINE = "online", "网上信访（实名）"
    HOTLINE = "hotline", "12397 热线"
    VIDEO = "video", "视频接访"
    LEADER_DAY = "leader_day", "领导接待日"


class MatterType(models.TextChoices):
    """What the matter is about: with the person, what makes two petitions the same matter."""

    PENSION = "pension", "优抚待遇"
    PLACEMENT = "placement", "安置就业"
    INSURANCE = "insurance", "社会保险接续"
    MEDICAL = "medical", "医疗保障"
    HOUSING = "housing", "住房"
    EDUCATION = "education", "子女教育"
    RETIRED = "retired", "军休服务"
    INFRINGEMENT = "infringement", "合法权益受侵害"
    POLICY = "policy", "政策咨询"
    OTHER = "other", "其他"


class PetitionStatus(models.TextChoices):
    REGISTERED = "registered", "已登记（待决定是否受理）"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    ACCEPTED = "accepted", "已受理"
    HANDED_DOWN = "handed_down", "已交办下级"
    TRANSFERRED = "transferred", "已转送其他部门"
    ESCALATED = "escalated", "已上报上级"
    IN_PROGRESS = "in_progress", "办理中"
    CONCLUDED = "concluded", "已办结（已书面答复）"
    REVIEW = "review", "复查中"
    REVIEWED = "reviewed", "已复查"
    RECHECK = "recheck", "复核中"
    HEARING = "hearing", "听证中（复核期限暂停）"
    RECHECKED = "rechecked", "已复核（终结）"
    MERGED = "merged", "重复信访（已并入首件）"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class ToldBy(models.TextChoices):
    """How the petitioner was told (a written notice, or by phone or message on record)."""

    WRITTEN = "written", "书面告知"
    PHONE = "phone", "电话告知"
    SMS = "sms", "短信告知"
    IN_PERSON = "in_person", "当面告知"


# Actions beside the workflow's steps, named like them on the page and in the API.
EXTEND, LEADER = "extend", "leader"
