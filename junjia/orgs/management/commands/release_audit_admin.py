"""Recovery: take the audit-administrator role from an account, from the command line."""

from django.core.management.base import BaseCommand, CommandError

from junjia.orgs.auth_services import audit_admin_release_by_operator
from junjia.orgs.models import User


class Command(BaseCommand):
    help = (
        "运维操作：撤销某账号的审计管理员角色（系统管理员和安全管理员无权更改审计管理员），"
        "其登录会话随即结束；之后可由系统管理员停用账号或由安全管理员另行授权。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--note", required=True, help="原因及审批依据，记入审计日志")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"用户 {options['username']} 不存在。")
        if not audit_admin_release_by_operator(user=user, operator_note=options["note"]):
            raise CommandError(f"{user.username} 不是审计管理员。")
        self.stdout.write(f"已撤销 {user.username} 的审计管理员角色，其登录会话已结束。")
