"""Coded values of the recipient file (000 §6.1; domain.md "Who is served")."""

from django.db import models


class Category(models.TextChoices):
    """服务对象类别 (000 §6.1.1). One person may hold several, each with dates."""

    RETIRED_SOLDIER = "retired_soldier", "退役士兵"
    TRANSFERRED_CADRE = "transferred_cadre", "军转干部"
    RETIRED_CADRE = "retired_cadre", "军队离退休干部"
    RETIRED_NCO = "retired_nco", "退休士官"
    NON_MILITARY_STAFF = "non_military_staff", "军队无军籍离退休退职职工"
    THREE_REDS = "three_reds", "“三红”人员"
    OLD_DEMOBILISED = "old_demobilised", "在乡老复员军人"
    DEMOBILISED_CADRE = "demobilised_cadre", "复员干部"
    DISABLED_SOLDIER = "disabled_soldier", "伤残军人"
    DISABLED_MILITIA = "disabled_militia", "伤残民兵民工"
    MARTYR_FAMILY = "martyr_family", "烈士遗属"
    DUTY_DEATH_FAMILY = "duty_death_family", "因公牺牲军人遗属"
    ILLNESS_DEATH_FAMILY = "illness_death_family", "病故军人遗属"
    SERVING_FAMILY = "serving_family", "现役军人家属"
    REFORM_TRANSFER = "reform_transfer", "军队改革集体转制人员"


# Categories whose members served themselves (the discharge certificate applies, 000 §6.1.2 c).
SERVED_CATEGORIES = frozenset(
    {
        Category.RETIRED_SOLDIER,
        Category.TRANSFERRED_CADRE,
        Category.RETIRED_CADRE,
        Category.RETIRED_NCO,
        Category.THREE_REDS,
        Category.OLD_DEMOBILISED,
        Category.DEMOBILISED_CADRE,
        Category.DISABLED_SOLDIER,
        Category.REFORM_TRANSFER,
    }
)
DISABILITY_CATEGORIES = frozenset({Category.DISABLED_SOLDIER, Category.DISABLED_MILITIA})
BEREAVED_CATEGORIES = frozenset(
    {Category.MARTYR_FAMILY, Category.DUTY_DEATH_FAMILY, Category.ILLNESS_DEATH_FAMILY}
)


class DisabilityGrade(models.IntegerChoices):
    G1 = 1, "一级"
    G2 = 2, "二级"
    G3 = 3, "三级"
    G4 = 4, "四级"
    G5 = 5, "五级"
    G6 = 6, "六级"
    G7 = 7, "七级"
    G8 = 8, "八级"
    G9 = 9, "九级"
    G10 = 10, "十级"


class DisabilityCause(models.TextChoices):
    WAR = "war", "因战"
    DUTY = "duty", "因公"
    ILLNESS = "illness", "因病"


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


ETHNIC_GROUPS = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]


class PoliticalStatus(models.TextChoices):
    PARTY_MEMBER = "party_member", "中共党员"
    PROBATIONARY = "probationary", "中共预备党员"
    LEAGUE_MEMBER = "league_member", "共青团员"
    DEMOCRATIC_PARTY = "democratic_party", "民主党派"
    MASSES = "masses", "群众"


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", "研究生"
    BACHELOR = "bachelor", "大学本科"
    COLLEGE = "college", "大学专科"
    SECONDARY_VOCATIONAL = "secondary_vocational", "中专/中技"
    HIGH_SCHOOL = "high_school", "高中"
    JUNIOR_HIGH = "junior_high", "初中"
    PRIMARY = "primary", "小学及以下"


class Branch(models.TextChoices):
    ARMY = "army", "陆军"
    NAVY = "navy", "海军"
    AIR_FORCE = "air_force", "空军"
    ROCKET_FORCE = "rocket_force", "火箭军"
    AEROSPACE = "aerospace", "军事航天部队"
    CYBERSPACE = "cyberspace", "网络空间部队"
    INFORMATION_SUPPORT = "information_support", "信息支援部队"
    LOGISTIC_SUPPORT = "logistic_support", "联勤保障部队"
    STRATEGIC_SUPPORT = "strategic_support", "战略支援部队（原）"
    ARMED_POLICE = "armed_police", "武警部队"
    OTHER = "other", "其他"


class Placement(models.TextChoices):
    """安置方式 (退役军人安置条例; maintained here as the one list)."""

    SELF_EMPLOYMENT = "self_employment", "自主就业"
    ASSIGNED_JOB = "assigned_job", "安排工作"
    RETIREMENT = "retirement", "退休"
    SUPPORT = "support", "供养"
    MONTHLY_PENSION = "monthly_pension", "逐月领取退役金"
    DEMOBILISATION = "demobilisation", "复员"
    TRANSFER = "transfer", "转业"
    SELF_SELECTED = "self_selected", "自主择业"
    OTHER = "other", "其他"


class MeritKind(models.TextChoices):
    FIRST_CLASS = "first_class", "一等功"
    SECOND_CLASS = "second_class", "二等功"
    THIRD_CLASS = "third_class", "三等功"
    WARTIME_FIRST = "wartime_first", "战时一等功"
    WARTIME_SECOND = "wartime_second", "战时二等功"
    WARTIME_THIRD = "wartime_third", "战时三等功"
    HONOUR_TITLE = "honour_title", "荣誉称号"


class Hardship(models.TextChoices):
    NONE = "", "无"
    MINIMUM_LIVING = "minimum_living", "低保"
    EXTREME_POVERTY = "extreme_poverty", "特困"
    NEAR_MINIMUM = "near_minimum", "低保边缘"


class Relationship(models.TextChoices):
    SPOUSE = "spouse", "配偶"
    FATHER = "father", "父亲"
    MOTHER = "mother", "母亲"
    SON = "son", "儿子"
    DAUGHTER = "daughter", "女儿"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


class DocumentKind(models.TextChoices):
    """Documents collected (000 §6.1.2 a–h)."""

    ID_CARD = "id_card", "身份证"
    HOUSEHOLD_REGISTER = "household_register", "户口本"
    DISCHARGE_CERTIFICATE = "discharge_certificate", "退役证/转业证/离退休证"
    PHOTO = "photo", "近期免冠照片"
    DIPLOMA = "diploma", "学历证明"
    MERIT_CERTIFICATE = "merit_certificate", "立功受奖证件"
    DISABILITY_CERTIFICATE = "disability_certificate", "伤残证件"
    MARTYR_CERTIFICATE = "martyr_certificate", "烈士证明书"
    DUTY_DEATH_CERTIFICATE = "duty_death_certificate", "因公牺牲军人证明书"
    ILLNESS_DEATH_CERTIFICATE = "illness_death_certificate", "病故军人证明书"
    KINSHIP_PROOF = "kinship_proof", "亲属关系证明"


class FileStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "审核中"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已通过"
    WITHDRAWN = "withdrawn", "已撤回"


class ChangeStatus(models.TextChoices):
    DRAFT = "draft", "待提交"
    SUBMITTED = "submitted", "审核中"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已生效"
    WITHDRAWN = "withdrawn", "已撤回"


class TransferStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已转移"
    REJECTED = "rejected", "已拒绝"
    CANCELLED = "cancelled", "已撤销"


FLAG_FIELDS = {
    "combat_veteran": "参战参试",
    "pre1949_veteran": "建国前参加革命的老战士",
    "empty_nest": "空巢/独居",
    "migrant_family": "外出务工家庭",
}
