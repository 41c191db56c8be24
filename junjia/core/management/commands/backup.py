"""Back up the database while it serves: one file and its manifest under JUNJIA_BACKUP_DIR."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from junjia.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "备份数据库（可在服务运行时进行）：SQLite 在线备份或 pg_dump，另附清单"
        "（迁移状态、各表行数、审计链尾、所用密钥编号、SHA-256）。密钥不在备份中。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="备份目录（默认 JUNJIA_BACKUP_DIR）")

    def handle(self, *args, **options):
        try:
            result = backup(directory=options["dir"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        chain = manifest["audit"]
        keys = "、".join(manifest["crypto"]["key_ids"])
        self.stdout.write(f"备份完成 Backup written：{result.path}（{manifest['bytes']} 字节）")
        self.stdout.write(f"清单 Manifest：{result.manifest_path}")
        self.stdout.write(f"SHA-256：{manifest['sha256']}")
        self.stdout.write(
            f"{len(manifest['tables'])} 张表，共 {sum(manifest['tables'].values())} 行；"
            f"审计日志 {chain['entries']} 条，已封存至第 {chain['sealed']} 号。"
        )
        self.stdout.write(
            "恢复时需要的密钥（不在备份中，请另行保管）Keys needed to restore：JUNJIA_MAC_KEY"
            + (f"，加密密钥 {keys}。" if keys else "。")
        )
