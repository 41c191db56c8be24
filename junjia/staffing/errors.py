"""Staffing errors and their Chinese messages (constants, so tests assert on them)."""

from junjia.core.errors import DomainError


class StaffingError(DomainError):
    pass


LEAVE_DATES = "请假结束日期不能早于开始日期。"
LEAVE_CLASH = "{window}：A 角与 B 角不能同时休假（{partner} 在 {start}–{end} 已请假）。"
LEAVE_NOT_IN_REACH = "该人员不在您的辖区内。"
LEAVE_FOR_OTHERS = "只能为自己登记请假，或由站长统一登记。"
AB_SAME_PERSON = "A 角和 B 角不能是同一个人。"
AB_STATION = "A 角和 B 角都须是本站工作人员。"
WINDOW_NOT_PERMITTED = "您没有维护本站窗口 AB 角的权限。"
LUNCH_NOT_PERMITTED = "您没有安排本站午间值班的权限。"
LUNCH_NOT_WORKING_DAY = "午间服务只在工作日安排。"
LUNCH_STATION = "值班人员须是本站工作人员。"
