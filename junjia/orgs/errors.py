"""Domain errors of orgs, with their Chinese messages as constants for tests."""

from junjia.core.errors import DomainError


class OrgsError(DomainError):
    """A refused operation; str(error) is the message shown to the user."""


ADMIN_ROLES_EXCLUSIVE = "三员分立：系统管理员、安全管理员、审计管理员三种角色同一人只能担任其一。"
ADMIN_AND_BUSINESS_ROLES = (
    "三员分立：管理员角色（系统管理员、安全管理员、审计管理员）不能与"
    "站长（主任）、经办人、审核人、领导等业务角色由同一人同时担任。"
)
ONLY_SYSTEM_ADMIN_MANAGES_ACCOUNTS = "只有系统管理员可以新增、修改、停用账号或重置密码。"
ONLY_SECURITY_ADMIN_GRANTS_ROLES = "只有安全管理员可以授予或撤销角色。"
CANNOT_CHANGE_OWN_ROLES = "不能修改自己的角色，须由另一名安全管理员操作。"
AUDIT_ADMIN_PROTECTED = (
    "审计管理员负责审计系统管理员和安全管理员的操作，其账号不能由他们修改、停用、"
    "重置密码或撤销角色。如确需变更，请由运维人员在服务器上执行 release_audit_admin 命令。"
)
REGION_LEVEL_NOT_MANUAL = (
    "只能手工新增乡镇（街道）和村（社区）区划；省、市、县区划来自国家区划代码包。"
)
REGION_CODE_EXISTS = "区划代码 {code} 已存在（{name}）。"
REGION_OUTSIDE_JURISDICTION = "上级区划 {code} 不在您的辖区内。"
REGION_PARENT_MISSING = "上级区划代码 {code} 不存在。"
FILLED_OVER_AUTHORISED = "在编在岗人数不能超过核定编制数。"
STATION_EXISTS = "{region} 已有服务中心（站）：{station}。每个行政区划只设一个。"
USERNAME_TAKEN = "用户名 {username} 已被使用。"
NO_ROLE = "请至少选择一个角色。"
CANNOT_DISABLE_SELF = "不能停用自己的账号。"
