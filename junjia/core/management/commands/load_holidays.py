"""Seed the working-day calendar with every year the installed chinese-calendar knows."""

from django.core.management.base import BaseCommand

from junjia.core.workdays.services import calendar_seed_from_package


def _years(years: list[int]) -> str:
    return "、".join(str(y) for y in years) or "无"


class Command(BaseCommand):
    help = (
        "从 chinese-calendar 软件包载入历年法定节假日与调休安排（幂等）；"
        "管理员录入的年份不会被覆盖。"
    )

    def handle(self, *args, **options):
        report = calendar_seed_from_package(actor=None)
        self.stdout.write(f"chinese-calendar {report.version}")
        self.stdout.write(f"新增年份：{_years(report.created)}")
        self.stdout.write(f"更新年份：{_years(report.updated)}")
        self.stdout.write(f"未变年份：{len(report.unchanged)} 个")
        if report.moved:
            self.stdout.write(f"按新安排重算的未到期期限：{len(report.moved)} 个（已通知经办人）")
        if report.admin_kept:
            self.stdout.write(f"管理员录入、未覆盖：{_years(report.admin_kept)}")
        for year in report.admin_differs:
            self.stderr.write(
                self.style.WARNING(
                    f"注意：{year} 年管理员录入的安排与软件包不同，请核对国务院办公厅通知。"
                )
            )
