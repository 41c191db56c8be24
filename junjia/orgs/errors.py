"""Domain errors of orgs, with their Chinese messages as constants for tests."""

from junjia.core.errors import DomainError


class OrgsError(DomainError):
    """A refused operation; str(error) is the message shown to the user."""


ADMIN_ROLES_EXCLUSIVE = "三员分立：系统管理员、安全管理员、审计管理员三种角色同一人只能担任其一。"
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
