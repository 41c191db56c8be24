"""Recovery: remove a person's TOTP devices from the server's command line (audited)."""

from django.core.management.base import BaseCommand, CommandError

from junjia.orgs.auth_services import otp_reset_by_operator
from junjia.orgs.models import User


class Command(BaseCommand):
    help = (
        "运维恢复：清除某账号的动态口令设备（例如唯一的安全管理员丢失手机），下次登录须重新绑定。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--note", required=True, help="原因及审批依据，记入审计日志")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"用户 {options['username']} 不存在。")
        count = otp_reset_by_operator(user=user, operator_note=options["note"])
        self.stdout.write(f"已清除 {user.username} 的 {count} 个动态口令设备，其登录会话已结束。")
