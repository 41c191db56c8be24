"""Verify the audit hash chain from the start; exit 1 and name the first broken row."""

import sys

from django.core.management.base import BaseCommand

from junjia.core.audit import seal_pending, verify_chain


class Command(BaseCommand):
    help = "从头校验审计日志哈希链，发现篡改时指出第一条异常记录。"

    def add_arguments(self, parser):
        parser.add_argument("--no-seal", action="store_true", help="校验前不先封存新记录")

    def handle(self, *args, **options):
        if not options["no_seal"]:
            seal_pending()
        report = verify_chain()
        if report.first_broken_entry_id is not None:
            self.stderr.write(f"哈希链异常：{report.reason}（已校验 {report.checked} 条）")
            sys.exit(1)
        if report.unsealed_old:
            self.stderr.write(report.reason)
            sys.exit(1)
        self.stdout.write(f"哈希链完整：已校验 {report.checked} 条。")
