"""Registry errors and their Chinese messages (constants, so tests assert on them)."""

from junjia.core.errors import DomainError


class RegistryError(DomainError):
    pass


class DuplicateRecipient(RegistryError):
    """The number is already filed elsewhere; carries only the holding station's name."""

    def __init__(self, station_name: str, recipient_id: int, in_jurisdiction: bool):
        self.station_name = station_name
        self.recipient_id = recipient_id
        self.in_jurisdiction = in_jurisdiction
        super().__init__(DUPLICATE.format(station=station_name))


DUPLICATE = (
    "该身份证号码已在“{station}”建档，一人只能有一份档案。如其户籍已迁入本辖区，可申请档案转移。"
)
HOUSEHOLD_LEVEL = "户籍所在地应选择乡镇（街道）或村（社区）。"
OUTSIDE = "所选区划不在您的辖区内。"
NOT_EDITABLE = "档案正在审核中，审核结束前不能修改。"
NOT_OPEN_CHANGE = "该档案没有待提交的变更。"
NO_CATEGORY = "请至少登记一个服务对象类别后再提交。"
DISABILITY_NEEDS_GRADE = "伤残军人、伤残民兵民工须填写伤残等级和伤残性质。"
END_BEFORE_START = "类别的终止日期不能早于起始日期。"
REASON_REQUIRED = "退回时请填写退回原因。"
WITHDRAW_APPROVED = "已通过审核的档案不能撤回（不提供删除）；如信息有误请提交变更。"
SELF_REVIEW = "不能审核自己提交的档案。"
WRONG_LEVEL = "该档案当前应由{level}审核。"
DECEASED_DATE = "去世日期不能晚于今天，也不能早于出生日期。"
ALREADY_DECEASED = "该服务对象已登记去世。"
TRANSFER_SAME = "该档案已在您的辖区内，无需转移。"
TRANSFER_TARGET = "迁入地应为您辖区内的乡镇（街道）或村（社区）。"
TRANSFER_NOT_APPROVED = "只能转移已通过审核的档案。"
TRANSFER_DECIDER = "档案转移须由迁出地（或双方共同的上级）审批。"
GENDER_MISMATCH = "性别与身份证号码不符（身份证号码显示为{gender}）。"
BIRTH_MISMATCH = "出生日期与身份证号码不符（身份证号码显示为 {birth}）。"
DOCUMENT_TOO_BIG = "文件不能超过 10 MB。"
DOCUMENT_TYPE = "只接受 PDF、JPG、PNG 格式的扫描件或照片。"
MOVED_BY_IMPORT = "与现有档案的户籍所在地不一致；户籍迁移请通过“档案转移”办理，不能用导入修改。"
TRANSFER_DECIDED = "该转移申请已处理。"
TRANSFER_REASON = "拒绝时请填写理由。"
TRANSFER_NOT_YOURS = "只能撤销自己提出的、尚未处理的转移申请。"
UNDER_REVIEW = "档案正在审核中，审核结束前不能增删材料。"
WITHDRAWN_FILE = "档案已撤回，不能再增删材料。"
MISSING_DOCUMENTS_REASON = "该档案尚缺材料（{missing}），审核通过须在审核意见中说明理由。"
