"""Build the demo region (one city, three counties) or a province-sized data set."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from junjia.orgs import demo
from junjia.orgs.catalog import load_catalog
from junjia.orgs.choices import Level
from junjia.orgs.models import Region


class Command(BaseCommand):
    help = "载入演示数据：青岛市及三个区的乡镇、村、服务中心（站）和各角色演示账号。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["demo", "province"], default="demo")
        parser.add_argument("--province", default="370000", help="--scale province 时的省级代码")
        parser.add_argument("--townships", type=int, default=None)
        parser.add_argument("--villages", type=int, default=None)
        parser.add_argument("--if-empty", action="store_true", help="已有演示数据时不做任何事")

    def handle(self, *args, **options):
        if options["scale"] == "province":
            return self._province(options)
        if demo.demo_loaded():
            if options["if_empty"]:
                self.stdout.write("演示数据已存在，跳过。")
                return
            raise CommandError("演示数据已存在。")
        rows = demo.build_demo(
            townships=options["townships"] or 10, villages=options["villages"] or 10
        )
        path = demo.write_accounts_file(rows)
        self.stdout.write(
            f"已创建演示数据和 {len(rows)} 个演示账号，账号清单：{path}（仅本人可读）"
        )

    def _province(self, options):
        load_catalog()
        province = Region.objects.filter(code=options["province"], level=Level.PROVINCE).first()
        if province is None:
            raise CommandError(f"省级区划 {options['province']} 不存在。")
        counties = Region.objects.filter(
            level=Level.COUNTY, key__gte=province.key, key__lte=province.key_high
        ).values_list("code", flat=True)
        with transaction.atomic():
            towns, villages = demo.build_tree(
                list(counties), options["townships"] or 13, options["villages"] or 30
            )
        self.stdout.write(f"已在 {province.name} 生成乡镇 {towns} 个、村（社区）{villages} 个。")
