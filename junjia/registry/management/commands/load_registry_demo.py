"""Load recipient files: several thousand in the demo region, or a province at scale."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from junjia.registry import demo


class Command(BaseCommand):
    help = (
        "载入服务对象演示档案：演示区划（青岛市三个区）数千份档案；"
        "--scale province 时在全省的村（社区）中生成指定数量的档案（默认 100 万）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["demo", "province"], default="demo")
        parser.add_argument("--province", default="370000", help="--scale province 时的省级代码")
        parser.add_argument(
            "--count", type=int, default=None, help="档案数（演示默认 5000，省级默认 1000000）"
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="生成数据的进程数（仅 --scale province）",
        )
        parser.add_argument("--part-size", type=int, default=demo.PART_SIZE)
        parser.add_argument("--if-empty", action="store_true", help="已有服务对象档案时不做任何事")

    def handle(self, *args, **options):
        if demo.recipients_exist():
            if options["if_empty"]:
                self.stdout.write("已有服务对象档案，跳过。")
                return
            raise CommandError("已有服务对象档案；演示和规模数据只能载入空的档案库。")
        try:
            if options["scale"] == "province":
                return self._province(options)
            result = demo.load_demo(count=options["count"] or demo.DEMO_COUNT, seed=options["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self._report(result)

    def _province(self, options):
        count = options["count"] or 1_000_000
        workers = options["workers"] if connection.vendor == "postgresql" else 1
        self.stdout.write(
            f"在 {options['province']} 生成 {count:,} 份档案（{workers} 个进程，"
            f"{'PostgreSQL COPY' if connection.vendor == 'postgresql' else '批量 INSERT'}）…"
        )
        state = {"shown": -1.0}

        def progress(done: int, total: int, seconds: float) -> None:
            if seconds - state["shown"] >= 5 or done == total:
                state["shown"] = seconds
                rate = done / seconds if seconds else 0
                self.stdout.write(
                    f"  {done:>10,} / {total:,}  {seconds:7.1f} s  {rate:>9,.0f} 人/秒"
                )
                self.stdout.flush()

        result = demo.load_scale(
            province_code=options["province"],
            count=count,
            seed=options["seed"],
            workers=workers,
            part_size=options["part_size"],
            progress=progress,
        )
        self._report(result)
        import time

        started = time.perf_counter()
        n = demo.refresh_counts()
        self.stdout.write(f"类别统计已刷新：{n} 行，用时 {time.perf_counter() - started:.2f} 秒。")

    def _report(self, result):
        rows = "，".join(f"{name} {n:,}" for name, n in result.rows.items())
        statuses = "，".join(f"{k} {v:,}" for k, v in sorted(result.by_status.items()))
        self.stdout.write(
            f"已载入 {result.people:,} 份服务对象档案，用时 {result.seconds:.1f} 秒"
            f"（{result.rate:,.0f} 人/秒）。\n  各表行数：{rows}\n  按状态：{statuses}\n"
            f"  身份证地址码不在现行区划中的（登记时会提示核对）：{result.unknown_codes:,} 人"
        )
