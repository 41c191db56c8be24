"""Load the service catalogue and demo counters (cases at every stage) for the demo region."""

from django.core.management.base import BaseCommand, CommandError

from junjia.cases import demo


class Command(BaseCommand):
    help = (
        "载入政务服务演示数据：服务事项目录，演示区划各服务中心（站）的窗口 AB 角、请假、"
        "午间值班、预约时段和预约，各环节办件（含延期、上门、代办、回访、评价与差评整改）。"
        "已设置窗口的站点跳过，重复运行不会重复生成。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=sorted(demo.SIZES),
            default="full",
            help="full：全部有人员的站点；small：三个示范站点和另外一个站点（用于测试）",
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="已有办件、窗口、请假、值班或预约数据时不做任何事",
        )

    def handle(self, *args, **options):
        if options["if_empty"] and demo.cases_data_exist():
            self.stdout.write("已有政务服务办件数据，跳过。")
            return
        try:
            result = demo.load_demo(size=options["size"], seed=options["seed"])
        except demo.DemoError as exc:
            raise CommandError(str(exc)) from exc
        if result.catalogue_created:
            self.stdout.write(f"服务事项目录：新发布 {result.catalogue_created} 个事项。")
        if not result.stations_set_up:
            self.stdout.write(
                f"演示站点都已有窗口设置（{result.stations_skipped} 个），未新增演示数据。"
            )
            return
        totals = "，".join(f"{label} {n:,}" for label, n in result.totals.items())
        statuses = "，".join(
            f"{demo.CaseStatus(k).label} {v:,}" for k, v in sorted(result.by_status.items())
        )
        self.stdout.write(
            f"已设置 {result.stations_set_up} 个服务中心（站）的演示数据，用时 "
            f"{result.seconds:.1f} 秒。\n  {totals}\n  办件按状态：{statuses}\n"
            f"  回访：{_join(result.callbacks_by_status)}\n"
            f"  差评整改：{_join(result.loops_by_stage)}"
        )
        if result.stations_skipped:
            self.stdout.write(f"  已有窗口设置、跳过的站点：{result.stations_skipped} 个。")
        if result.skipped:
            left_out = "，".join(f"{label} {n} 项" for label, n in result.skipped.items())
            self.stderr.write(self.style.WARNING(f"未生成：{left_out}。原因：{result.skip_reason}"))


def _join(counts: dict) -> str:
    return "，".join(f"{k} {v:,}" for k, v in counts.items()) or "无"
