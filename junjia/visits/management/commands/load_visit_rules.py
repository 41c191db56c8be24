"""Publish the seeds' visit rules (junjia/visits/rules.py) where they are missing."""

from django.core.management.base import BaseCommand

from junjia.visits.rules import SEED_RULES, load_seed_rules


class Command(BaseCommand):
    help = (
        "发布依据文件中的走访慰问规则（春节、八一、烈士纪念日、六必访、联系全覆盖等）中尚未存在的"
        "规则；已有规则（含已修改、已停用的）保持不变（幂等），可在部署后和升级后运行。"
    )

    def handle(self, *args, **options):
        created = load_seed_rules()
        kept = len(SEED_RULES) - created
        self.stdout.write(f"走访慰问规则：新增 {created} 条，已有 {kept} 条未改动。")
