"""Restore a backup into an empty database and prove it: rows, decryption, audit chain."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from junjia.core.backup import SAMPLE_SIZE, BackupError, restore


class Command(BaseCommand):
    help = (
        "从备份恢复数据库（须为空库，除非加 --force），先核对 SHA-256 和密钥，"
        "恢复后核对各表行数、抽样解密加密字段并校验审计哈希链；任何不一致时退出码为 1。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="备份文件（.sqlite3 或 .dump）")
        parser.add_argument("--manifest", type=Path, help="清单文件（默认与备份同名的 .json）")
        parser.add_argument("--database", default="default", help="目标数据库别名")
        parser.add_argument(
            "--force", action="store_true", help="目标数据库不是空的也恢复（其中的数据被替换）"
        )
        parser.add_argument("--sample", type=int, default=SAMPLE_SIZE, help="每列抽样解密的个数")

    def handle(self, *args, **options):
        try:
            report = restore(
                options["file"],
                manifest_path=options["manifest"],
                using=options["database"],
                force=options["force"],
                sample=options["sample"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已恢复 Restored：{options['file']}")
        for check in report.checks:
            mark = "通过 OK" if check.ok else "失败 FAIL"
            self.stdout.write(f"[{mark}] {check.label}：{check.detail}")
        for note in report.notes:
            self.stdout.write(f"注意 Note：{note}")
        if not report.ok:
            raise CommandError("恢复后的核对未通过，请勿使用该数据库 (restore check failed)。")
        self.stdout.write("结论：恢复的数据库与备份一致 (restore verified)。")
