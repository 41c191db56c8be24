"""Coded values of visits (走访慰问): how a rule's timing is given, what it is anchored on,
the events that make a visit due, and what a visit record must hold."""

from django.db import models


class Timing(models.TextChoices):
    """When a rule makes a visit due."""

    FIXED_DATE = "fixed_date", "固定日期"  # 八一建军节, 烈士纪念日
    LUNAR_DATE = "lunar_date", "农历节日"  # 春节 (农历正月初一), from lunar-python
    ANNIVERSARY = "anniversary", "个人纪念日"  # birthday, a martyr's death day
    EVENT = "event", "事件后限期"  # newly approved pension, return home, death, 六必访 events
    FREQUENCY = "frequency", "每年至少若干次"  # key groups, empty nest, 联系全覆盖


class Anchor(models.TextChoices):
    """The date of the person's file an anniversary or an event counts from (registry)."""

    BIRTH = "birth_date", "出生日期"
    DEATH = "death_date", "去世日期"
    DISCHARGE = "discharge_date", "退役时间（返乡）"
    CATEGORY_START = "category_start", "类别起始日期（烈士牺牲日）"
    PENSION_APPROVED = "pension_approved_on", "抚恤补助批准时间"
    RECORDED_EVENT = "recorded_event", "登记的事件"


class EventKind(models.TextChoices):
    """Events recorded by a clerk or raised by another module, each making a visit due
    (六必访: 001 第二十七条, 002 §5.4; 000 走访慰问; 001 附件第五部分 三(二)(三))."""

    RETURN_HOME = "return_home", "退役返乡"
    MERIT = "merit", "立功受奖（送喜报）"
    SERVING_DISCHARGE = "serving_discharge", "现役人员退出现役"
    HERO_MODEL = "hero_model", "英模典型"
    HARDSHIP = "hardship", "遇到困难"
    MAJOR_CHANGE = "major_change", "重大变故"
    SERIOUS_ILLNESS = "serious_illness", "罹患重病"
    CRITICAL_ILLNESS = "critical_illness", "病危"
    UNABLE_SELF_CARE = "unable_self_care", "生活不能自理"
    NO_CHILDREN = "no_children", "身边无子女"


class Subject(models.TextChoices):
    """The dead drop out of every rule except those about a death (issue 13)."""

    LIVING = "living", "在世的服务对象"
    DECEASED = "deceased", "去世的服务对象（慰问家属）"


class RecordItem(models.TextChoices):
    """What the visit record must hold (001 附件第五部分 三(一): the seven situations)."""

    HOME = "home", "须入户走访"
    SITUATIONS = "situations", "七个情况（服役、家庭、健康、收入、就业、思想、需求）"
    NEEDS = "needs", "了解的需求"
    COMFORT = "comfort", "慰问金、慰问品"
    SIGNATURE = "signature", "受慰问人签收"
    PHOTO = "photo", "走访照片"
    CONTACT_PERSON = "contact_person", "确定联系人"


# Who may be asked for by flag and by merit: the registry's own names (registry.choices).
PENSION_TYPES = ("disability", "regular", "subsidy", "other")


class CampaignStatus(models.TextChoices):
    """A campaign (走访计划): generated from the rules as a background job, then open for
    visits, then closed (campaign_workflow.CAMPAIGN_WORKFLOW)."""

    DRAFT = "draft", "待生成"
    GENERATED = "generated", "已生成"
    OPEN = "open", "走访中"
    CLOSED = "closed", "已结束"


class MemberState(models.TextChoices):
    """Where a member of a campaign stands. Anything but "due" is handled: a re-generation
    never removes a handled member (issue 13: without losing a record already made)."""

    DUE = "due", "待走访"
    VISITED = "visited", "已走访"


class VisitHow(models.TextChoices):
    """How the visit was made (issue 13 "Recording a visit"). A home visit always counts
    for a campaign; a phone call, a video call or a meeting (座谈) only where every rule that
    made the person due counts them (联系全覆盖: 003 第41项, contact_counts "any")."""

    HOME = "home", "入户走访"
    PHONE = "phone", "电话联系"
    VIDEO = "video", "视频联系"
    MEETING = "meeting", "座谈见面"


# The seven situations a station must know of each person (001 附件第五部分 三(一)):
# 服役状况、家庭状况、健康状况、收入状况、就业状况、思想状况、需求状况.
SITUATIONS = (
    ("service_situation", "服役状况"),
    ("family_situation", "家庭状况"),
    ("health_situation", "健康状况"),
    ("income_situation", "收入状况"),
    ("employment_situation", "就业状况"),
    ("thoughts_situation", "思想状况"),
    ("needs_situation", "需求状况"),
)
