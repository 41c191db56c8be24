"""Score sheets (评分表) as versioned data — groups, rows, bonus rows with their own caps,
the bonus rules, veto conditions, the declared total and the pass mark — and the quarterly
rounds in which townships score their village stations and the county spot-checks them."""

from decimal import Decimal

from django.conf import settings
from django.db import models

from junjia.core.models import StepRecord, TimeStampedModel

from .choices import AssessmentStatus, Quarter, RowKind, ScoringKind

USER = settings.AUTH_USER_MODEL
POINTS = {"max_digits": 5, "decimal_places": 1}


class ScoreSheet(TimeStampedModel):
    """A sheet's identity (e.g. the village-station sheet); its content lives in versions."""

    code = models.SlugField("评分表编码", max_length=40, unique=True)
    name = models.CharField("评分表名称", max_length=200)
    current_version = models.ForeignKey(
        "ScoreSheetVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "评分表"
        verbose_name_plural = "评分表"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ScoreSheetVersion(models.Model):
    """One published content of a sheet. Rounds keep the version they were opened with."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    source = models.CharField("依据", max_length=300)
    title = models.CharField("表名", max_length=200)
    # What the sheet itself says (its notes), and what its rows add up to: the loader keeps
    # both, so a difference is shown rather than hidden.
    declared_total = models.DecimalField("表中所注总分值", **POINTS)
    rows_total = models.DecimalField("各计分项分值合计", **POINTS)
    bonus_cap = models.DecimalField("加分上限", **POINTS)
    bonus_one_matter = models.BooleanField("同一事项只计最高加分", default=True)
    pass_mark = models.DecimalField("达标分数线", **POINTS)
    pass_inclusive = models.BooleanField("含分数线", default=True)
    # The smallest step a row's score moves by (half points).
    score_step = models.DecimalField("评分最小单位", default=Decimal("0.5"), **POINTS)
    notes = models.TextField("表注（原文）", blank=True)
    digest = models.CharField("内容摘要", max_length=64)
    loaded_at = models.DateTimeField("载入时间", auto_now_add=True)

    class Meta:
        verbose_name = "评分表版本"
        verbose_name_plural = "评分表版本"
        ordering = ["sheet", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "number"], name="uniq_score_sheet_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} 第{self.number}版"

    @property
    def sum_difference(self) -> Decimal:
        """The rows' sum less the declared total: 0 where the sheet agrees with itself."""
        return self.rows_total - self.declared_total

    @property
    def highest(self) -> Decimal:
        return self.rows_total + self.bonus_cap


class ScoreGroup(models.Model):
    """A group of rows (（一）组织领导 … 加分项 … 一票否决), its label as the sheet prints it."""

    version = models.ForeignKey(ScoreSheetVersion, on_delete=models.CASCADE, related_name="groups")
    order = models.PositiveSmallIntegerField("顺序")
    label = models.CharField("项目（原文）", max_length=60)
    kind = models.CharField("类别", max_length=10, choices=RowKind.choices)
    # The bonus group's cap as the group prints it (加分项（10分）); None for others.
    cap = models.DecimalField("本组上限", null=True, blank=True, **POINTS)

    class Meta:
        verbose_name = "评分表项目"
        verbose_name_plural = "评分表项目"
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "order"], name="uniq_score_group_order")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return " ".join(self.label.split())


class ScoreRow(models.Model):
    """One row: its number, its standard word for word, its points (a bonus row: the most
    one claim may add; the veto row: none) and, for the veto row, its conditions.

    `code` stays the same across versions of a sheet ("<sheet>:<number>"): an evidence
    provider registered later keys on it to fill in a figure and its records for the row."""

    version = models.ForeignKey(ScoreSheetVersion, on_delete=models.CASCADE, related_name="rows")
    group = models.ForeignKey(ScoreGroup, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveSmallIntegerField("序号")
    code = models.CharField("行编码", max_length=50)
    standard = models.TextField("创建标准（原文）")
    kind = models.CharField("类别", max_length=10, choices=RowKind.choices)
    points = models.DecimalField("分值", null=True, blank=True, **POINTS)
    conditions = models.JSONField("否决情形", default=list, blank=True)

    class Meta:
        verbose_name = "评分项"
        verbose_name_plural = "评分项"
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="uniq_score_row_number")
        ]

    def __str__(self) -> str:
        return f"第{self.number}项"


class ScoreRound(TimeStampedModel):
    """A county's quarter (e.g. 2027 第一季度): the village stations of the county, each
    scored by its township on the sheet version the round was opened with."""

    version = models.ForeignKey(ScoreSheetVersion, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度", choices=Quarter.choices)
    # The county's key range (orgs codes), denormalised so scoping needs no orgs query.
    region_key = models.BigIntegerField("县级区划", db_index=True)
    region_key_high = models.BigIntegerField()
    region_name = models.CharField("县（市、区）", max_length=100)
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    station_count = models.PositiveIntegerField("村（社区）服务站数", default=0)

    class Meta:
        verbose_name = "考核轮次"
        verbose_name_plural = "考核轮次"
        ordering = ["-year", "-quarter", "region_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_key", "year", "quarter"], name="uniq_score_round_quarter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_name}{self.year}年{self.get_quarter_display()}"


class Assessment(TimeStampedModel):
    """One village station in a round: scored by its township, submitted to the county,
    perhaps spot-checked. The result fields hold the township's submitted scoring."""

    round = models.ForeignKey(ScoreRound, on_delete=models.CASCADE, related_name="assessments")
    station = models.ForeignKey("orgs.Station", on_delete=models.PROTECT, related_name="+")
    station_name = models.CharField("服务站", max_length=100)
    region_key = models.BigIntegerField("服务站区划", db_index=True)
    township_key = models.BigIntegerField("乡镇（街道）区划")
    township_name = models.CharField("乡镇（街道）", max_length=100)
    status = models.CharField(
        "状态", max_length=15, choices=AssessmentStatus.choices, default=AssessmentStatus.SCORING
    )
    total = models.DecimalField("得分", null=True, blank=True, **POINTS)
    passed = models.BooleanField("达标", null=True, blank=True)
    vetoed = models.BooleanField("一票否决", default=False)
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)

    class Meta:
        verbose_name = "服务站考核"
        verbose_name_plural = "服务站考核"
        ordering = ["round", "region_key"]
        constraints = [
            models.UniqueConstraint(fields=["round", "station"], name="uniq_assessment_station")
        ]
        indexes = [models.Index(fields=["round", "region_key"], name="assessment_round_region")]

    def __str__(self) -> str:
        return f"{self.station_name} · {self.round}"


class AssessmentStep(StepRecord):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="steps")

    class Meta(StepRecord.Meta):
        verbose_name = "考核记录"
        verbose_name_plural = "考核记录"


class Scoring(models.Model):
    """One party's scores for an assessment (the township's, or the county's spot check):
    saved as a draft any number of times; the engine's result kept with it."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scorings")
    kind = models.CharField("评分方", max_length=10, choices=ScoringKind.choices)
    scored_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField("评分时间", auto_now=True)
    # The veto conditions that occurred (their numbers on the veto row) and what happened.
    vetoes = models.JSONField("否决情形", default=list, blank=True)
    veto_note = models.TextField("否决说明", blank=True)
    scored_total = models.DecimalField("计分项得分", default=Decimal(0), **POINTS)
    bonus_applied = models.DecimalField("计入加分", default=Decimal(0), **POINTS)
    total = models.DecimalField("总得分", default=Decimal(0), **POINTS)
    complete = models.BooleanField("各项均已评分", default=False)
    vetoed = models.BooleanField("一票否决", default=False)
    passed = models.BooleanField("达标", default=False)

    class Meta:
        verbose_name = "评分"
        verbose_name_plural = "评分"
        constraints = [
            models.UniqueConstraint(fields=["assessment", "kind"], name="uniq_scoring_kind")
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.get_kind_display()}"


class RowScore(models.Model):
    """A row's score, in the row's points, with the note that says why points were withheld."""

    scoring = models.ForeignKey(Scoring, on_delete=models.CASCADE, related_name="rows")
    row = models.ForeignKey(ScoreRow, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField("得分", **POINTS)
    note = models.TextField("扣分说明", blank=True)

    class Meta:
        verbose_name = "评分项得分"
        verbose_name_plural = "评分项得分"
        constraints = [models.UniqueConstraint(fields=["scoring", "row"], name="uniq_row_score")]

    def __str__(self) -> str:
        return f"{self.row} {self.score}"


class BonusClaim(models.Model):
    """A bonus claimed on a bonus row for one matter (事项): for one matter only the highest
    claim counts, and all of them together no more than the sheet's cap."""

    scoring = models.ForeignKey(Scoring, on_delete=models.CASCADE, related_name="claims")
    row = models.ForeignKey(ScoreRow, on_delete=models.PROTECT, related_name="+")
    matter = models.CharField("事项", max_length=200)
    points = models.DecimalField("加分", **POINTS)
    counted = models.BooleanField("计入", default=True)

    class Meta:
        verbose_name = "加分申报"
        verbose_name_plural = "加分申报"
        ordering = ["scoring", "row", "id"]

    def __str__(self) -> str:
        return f"{self.row} {self.matter} {self.points}"
