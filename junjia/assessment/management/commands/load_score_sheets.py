"""Load the score sheets from the documents as written (junjia/assessment/sheets.py)."""

from django.core.management.base import BaseCommand

from junjia.assessment.sheets import load_all


class Command(BaseCommand):
    help = (
        "按原文载入评分表（村（社区）退役军人服务站规范建设运行验收评分表）：内容未变则不改动"
        "（幂等），文件内容变化则发布新版本；并核对各计分项分值之和与表中所注总分值。"
    )

    def handle(self, *args, **options):
        for loaded in load_all():
            v = loaded.version
            done = "新版本" if loaded.created else "已是最新，未改动"
            self.stdout.write(f"{v.title}：第{v.number}版（{done}），共 {v.rows.count()} 项。")
            if v.sum_difference:
                self.stdout.write(
                    self.style.WARNING(
                        f"  注意：各计分项分值合计 {v.rows_total} 分，与表中所注总分值 "
                        f"{v.declared_total} 分相差 {v.sum_difference} 分。"
                    )
                )
            else:
                self.stdout.write(f"  各计分项分值合计 {v.rows_total} 分，与表中所注总分值一致。")
