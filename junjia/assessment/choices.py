"""Choices of assessment (考核评估); importable by every app."""

from django.db import models


class RowKind(models.TextChoices):
    SCORED = "scored", "计分项"
    BONUS = "bonus", "加分项"
    VETO = "veto", "一票否决"


class Quarter(models.IntegerChoices):
    Q1 = 1, "第一季度"
    Q2 = 2, "第二季度"
    Q3 = 3, "第三季度"
    Q4 = 4, "第四季度"


class AssessmentStatus(models.TextChoices):
    SCORING = "scoring", "乡镇评分中"
    SUBMITTED = "submitted", "已报县级"
    CHECKED = "checked", "已抽查复核"


class ScoringKind(models.TextChoices):
    TOWNSHIP = "township", "乡镇（街道）评分"
    CHECK = "check", "县级抽查复核"
