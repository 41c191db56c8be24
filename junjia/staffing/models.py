"""Windows with their A and B, leave and lunch duty (000 §7 AB角工作制, 午间服务).

The tables were created by cases (migration cases 0001) and keep their names; staffing took
the models over without moving a row (staffing 0001, cases 0005)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from junjia.core.models import TimeStampedModel

USER = settings.AUTH_USER_MODEL


class WindowPost(TimeStampedModel):
    """A window or post with its A (primary) and B (backup) (AB角工作制, 000 §7)."""

    station = models.ForeignKey("orgs.Station", on_delete=models.CASCADE, related_name="+")
    region_key = models.BigIntegerField(db_index=True)
    name = models.CharField("窗口/岗位", max_length=50)
    primary = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name="A角"
    )
    backup = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name="B角")

    class Meta:
        db_table = "cases_windowpost"
        verbose_name = "窗口岗位"
        verbose_name_plural = "窗口岗位"
        constraints = [
            models.CheckConstraint(
                condition=~Q(primary=models.F("backup")), name="ab_different_people"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Leave(TimeStampedModel):
    user = models.ForeignKey(
        USER, on_delete=models.CASCADE, related_name="leaves", verbose_name="人员"
    )
    region_key = models.BigIntegerField(db_index=True)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    reason = models.CharField("事由", max_length=100, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "cases_leave"
        verbose_name = "请假"
        verbose_name_plural = "请假"
        ordering = ["-start_date"]
        indexes = [models.Index(fields=["user", "start_date", "end_date"], name="leave_user_dates")]

    def __str__(self) -> str:
        return f"{self.user} {self.start_date}–{self.end_date}"


class LunchDuty(models.Model):
    """Who keeps the window open 12:00–13:30 on a working day (午间服务, 000 §7)."""

    station = models.ForeignKey("orgs.Station", on_delete=models.CASCADE, related_name="+")
    region_key = models.BigIntegerField(db_index=True)
    date = models.DateField("日期")
    user = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name="值班人员"
    )

    class Meta:
        db_table = "cases_lunchduty"
        verbose_name = "午间值班"
        verbose_name_plural = "午间值班"
        constraints = [models.UniqueConstraint(fields=["station", "date"], name="uniq_lunch_duty")]

    def __str__(self) -> str:
        return f"{self.date} {self.user}"
