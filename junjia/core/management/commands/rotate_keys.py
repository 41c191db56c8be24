"""Re-encrypt all encrypted columns under the current key, in resumable batches."""

from django.core.management.base import BaseCommand

from junjia.core import rotation
from junjia.core.crypto import get_provider


class Command(BaseCommand):
    help = "密钥轮换：把所有加密字段用当前密钥重新加密（分批进行，可中断后继续）。"

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, **options):
        key_id = get_provider().current_key_id
        self.stdout.write(f"当前密钥：{key_id}")
        labels = sorted({c.model_label for c in rotation.registered()})
        for label in labels:
            changed = rotation.rotate_model(
                label,
                batch_size=options["batch_size"],
                progress=lambda model, last_pk, n: self.stdout.write(
                    f"  {model} 已处理至 #{last_pk}，重新加密 {n} 行"
                ),
            )
            self.stdout.write(f"{label}：完成，重新加密 {changed} 行。")
        self.stdout.write("全部完成。旧密钥在所有数据轮换完成前不要从配置中删除。")
