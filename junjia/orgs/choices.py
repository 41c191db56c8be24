"""Choices for regions, stations and roles; importable by every app."""

from django.db import models


class Level(models.IntegerChoices):
    PROVINCE = 1, "省级"
    CITY = 2, "市级"
    COUNTY = 3, "县级"
    TOWNSHIP = 4, "乡镇（街道）"
    VILLAGE = 5, "村（社区）"


# Province, city and county have a 服务中心; township and village a 服务站 (domain.md).
CENTRE_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY)


class RegionSource(models.TextChoices):
    CATALOG = "catalog", "国家区划代码包"
    MANUAL = "manual", "手工新增"
    IMPORT = "import", "Excel 导入"


class Role(models.TextChoices):
    STATION_HEAD = "station_head", "站长（主任）"
    CLERK = "clerk", "经办人"
    REVIEWER = "reviewer", "审核人"
    LEADER = "leader", "领导（只读）"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


# 三员分立: one person holds at most one of these, never together with a business role, and
# they require a second factor (GB/T 22239-2019 §8.1.4.2).
ADMIN_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)
BUSINESS_ROLES = tuple(role for role in Role if role not in ADMIN_ROLES)


class Publication(models.TextChoices):
    """The six publications (六公示), seed 002 §5.1.2."""

    DUTIES = "duties", "工作职责"
    RULES = "rules", "工作制度"
    PROCESS = "process", "工作流程"
    ORGANISATION = "organisation", "组织架构"
    SERVICES = "services", "服务内容"
    COMMITMENTS = "commitments", "服务承诺"
