"""Create the first administrator with a generated one-time password (no default passwords)."""

from django.core.management.base import BaseCommand, CommandError

from junjia.orgs.auth_services import first_admin_create
from junjia.orgs.choices import ADMIN_ROLES, Role
from junjia.orgs.errors import OrgsError


class Command(BaseCommand):
    help = "创建首个管理员账号（三员之一），打印一次性密码；已有系统管理员时拒绝执行。"

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True, help="用户名")
        parser.add_argument("--region", required=True, help="所属区划代码，如 370000")
        parser.add_argument(
            "--role",
            default=Role.SYSTEM_ADMIN.value,
            choices=[r.value for r in ADMIN_ROLES],
            help="角色（默认 system_admin）",
        )
        parser.add_argument("--full-name", default="", help="姓名（可选）")

    def handle(self, *args, **options):
        try:
            user, password = first_admin_create(
                username=options["username"],
                region_code=options["region"],
                role=options["role"],
                full_name=options["full_name"],
            )
        except OrgsError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已创建{Role(options['role']).label}：{user.username}（{user.station}）")
        self.stdout.write(f"一次性密码：{password}")
        self.stdout.write(
            "该密码只显示这一次，系统不保存明文。首次登录须立即修改密码并绑定动态口令。"
        )
