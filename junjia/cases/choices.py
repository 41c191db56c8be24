"""Coded values for service items, cases, appointments and evaluations (000 §7, §9)."""

from django.db import models


class Area(models.TextChoices):
    PREFERENTIAL = "preferential", "优待抚恤"
    EMPLOYMENT = "employment", "就业创业"
    ASSISTANCE = "assistance", "帮扶救助"
    RIGHTS = "rights", "权益维护"
    RECEPTION = "reception", "退役报到"
    TRAINING = "training", "教育培训"
    ARCHIVES = "archives", "档案管理"
    HONOURS = "honours", "褒扬纪念"
    OTHER = "other", "其他"


# After completion these get a callback (000 §7 跟踪服务: 就业安置、创业扶持和困难帮扶).
CALLBACK_AREAS = frozenset({Area.EMPLOYMENT, Area.ASSISTANCE})


class Channel(models.TextChoices):
    WINDOW = "window", "窗口"
    PHONE = "phone", "电话"
    ONLINE = "online", "网上"
    DOORSTEP = "doorstep", "上门"
    ASSISTED = "assisted", "帮办"
    PROXY = "proxy", "代办"


class CaseStatus(models.TextChoices):
    CONSULTED = "consulted", "咨询"
    RECEIVED = "received", "已接件"
    INCOMPLETE = "incomplete", "材料不全"
    NOTICE_ISSUED = "notice_issued", "已一次性告知"
    ACCEPTED = "accepted", "已受理"
    IN_PROGRESS = "in_progress", "办理中"
    SENT_UP = "sent_up", "上报审批中"
    COMPLETED = "completed", "已办结"
    REFUSED = "refused", "不予受理"
    WITHDRAWN = "withdrawn", "已撤回"


OPEN_STATUSES = (
    CaseStatus.CONSULTED,
    CaseStatus.RECEIVED,
    CaseStatus.INCOMPLETE,
    CaseStatus.NOTICE_ISSUED,
    CaseStatus.ACCEPTED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.SENT_UP,
)
# The promised time limit runs from acceptance until completion (000 §7 限时办结).
CLOCK_STATUSES = (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS, CaseStatus.SENT_UP)
# "Due soon": within 2 working days — the work list, the head's watch and the daily scan.
SOON_DAYS = 2


class MaterialState(models.TextChoices):
    OK = "ok", "齐全"
    MISSING = "missing", "缺少"
    DEFECTIVE = "defective", "有误"
    NOT_NEEDED = "not_needed", "不适用"


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", "原件"
    COPY = "copy", "复印件"
    BOTH = "both", "原件及复印件"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", "待批准"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"


class SlotKind(models.TextChoices):
    WORKDAY = "workday", "工作日预约"
    NON_WORKDAY = "non_workday", "非工作日预约"
    VIDEO = "video", "远程视频咨询"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "已预约"
    ARRIVED = "arrived", "已到达"
    CANCELLED = "cancelled", "已取消"
    NO_SHOW = "no_show", "未到"


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    NEUTRAL = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


SATISFIED_LEVELS = (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED)


class RatingChannel(models.TextChoices):
    QR = "qr", "扫码评价"
    WINDOW = "window", "窗口评价"
    SMS = "sms", "短信评价"
    PAPER = "paper", "纸质评价表"


class LoopStage(models.TextChoices):
    """差评发现 → 问题核实 → 反馈整改 → 问题回访 → 改进提升 (000 §9)."""

    FOUND = "found", "差评发现"
    VERIFY = "verify", "问题核实"
    RECTIFY = "rectify", "反馈整改"
    REVISIT = "revisit", "问题回访"
    IMPROVE = "improve", "改进提升"
    CLOSED = "closed", "已闭环"


LOOP_ORDER = [s.value for s in LoopStage]
# Working days each stage of the bad-review loop may take (000 §9 闭环).
LOOP_DAYS = {
    LoopStage.FOUND: 1,
    LoopStage.VERIFY: 3,
    LoopStage.RECTIFY: 5,
    LoopStage.REVISIT: 3,
    LoopStage.IMPROVE: 5,
}


class HandoverDirection(models.TextChoices):
    IN = "in", "委托人交代办员"
    OUT = "out", "代办员交还委托人"


class CallbackStatus(models.TextChoices):
    DUE = "due", "待回访"
    DONE = "done", "已回访"
    FOLLOW_UP = "follow_up", "需继续跟进"


class CallbackMethod(models.TextChoices):
    PHONE = "phone", "电话回访"
    VISIT = "visit", "上门回访"
