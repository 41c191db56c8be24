"""Case errors and their Chinese messages."""

from junjia.core.errors import DomainError


class CaseError(DomainError):
    pass


NOT_HANDLER = "该办件由首办人{owner}负责；只有首办人、其休假期间的 B 角或站长可以办理。"
MATERIALS_COMPLETE = "材料已齐全，无需一次性告知，请直接受理。"
MATERIALS_INCOMPLETE = "还有缺少或有误的材料，不能受理；请出具一次性告知单。"
REASON_REQUIRED = "请填写不予受理的理由。"
RESULT_REQUIRED = "请填写办理结果。"
SLOT_FULL = "该时段已约满，请选择其他时段。"
SLOT_PAST = "该时段已过，不能预约。"
SAME_SLOT_TWICE = "该身份证号码已预约本时段，同一人在一个时段只能预约一个名额。"
TOO_MANY_BY_ID = "该身份证号码已有 {limit} 个未办理的预约，请先办理或取消已有预约后再预约。"
TOO_MANY_BY_PHONE = (
    "该手机号码已有 {limit} 个未办理的预约，请先办理或取消已有预约，或填写其他手机号码。"
)
STAFF_SAME_LIMITS = "（工作人员代为预约同样受此限制。）"
SLOT_NOT_WORKDAY = "“工作日预约”只能设在工作日；非工作日请选择“非工作日预约”。"
ALREADY_RATED = "该办件已经评价过，感谢您的反馈。"
NOT_COMPLETED = "办件办结后才能评价。"
EXTENSION_REASON = "请填写延期理由。"
EXTENSION_DECIDER = "延期须由站长批准。"
NOT_IN_CLOCK = "只有已受理、办理中的办件可以申请延期。"
DOORSTEP_CONDITION = "上门服务须说明原因：需现场核实，或服务对象患重病、行动不便等。"
PROXY_AUTHORISATION = "代办须登记委托人和授权情况。"
HANDOVER_NOT_PROXY = "只有帮办、代办办件登记材料交接。"
NOT_RECHECKABLE = "办件状态为“{status}”，材料已核验完毕，不能再补正材料。"
NOT_DOORSTEP = "只有上门服务办件可以登记上门服务结果。"
LOOP_NOT_YOURS = "只有责任人或站长可以推进差评整改。"
LOOP_CLOSED = "该整改已闭环。"
LOOP_RECORD_REQUIRED = "请填写本环节的记录。"
LOOP_NONE = "该评价不低于“满意”，没有差评整改。"
LOOP_OWNER_STATION = "下一环节责任人须是本站在岗工作人员。"
DOORSTEP_OUTCOME_REQUIRED = "请填写上门服务结果：当场办结，或已告知办理程序和时限。"
EXTENSION_DECIDED = "该延期申请已处理。"
CALLBACK_DONE = "该回访已记录。"
CALLBACK_OUTCOME_REQUIRED = "请填写回访情况。"
APPOINTMENT_CLOSED = "该预约已取消或已办理。"
ITEM_NOT_HERE = (
    "“{item}”不由本级服务中心（站）办理；如属他级事项，请登记为“不属于本大厅职权范围”并告知去处。"
)
NO_ITEM_CHOSEN = "请选择要办理的服务事项。"
NO_NEED = "请填写需求内容。"
