"""The visit rules of the seeds, shipped as data (issue 13). Each names its seed and
section in `source`; where a seed gives no number (a window, a frequency) the number here is
a default the county changes on the rules page, and the description says so.

Seeds: 000 = 000_603b0a14fdd20f8a.txt 服务内容及要求·走访慰问; 001 = 001_8ed9f1a2dbd646a7.txt
第二十四–二十七条 and 附件第五部分 走访慰问规范; 002 = 002_32c48a21ac783144.txt §5.4, §5.5;
003 = 003_64ef17af231474d6.txt 附件1 rows 32–41."""

from django.db import transaction

from junjia.orgs.api import Level

from .models import VisitRule

# 二等功以上 and 战时三等功以上 (000 走访慰问); a 荣誉称号 ranks above 一等功.
MERIT_SECOND_OR_ABOVE = ["honour_title", "first_class", "second_class"]
WARTIME_THIRD_OR_ABOVE = ["wartime_first", "wartime_second", "wartime_third"]
SERVED = [
    "retired_soldier",
    "transferred_cadre",
    "retired_cadre",
    "retired_nco",
    "three_reds",
    "old_demobilised",
    "demobilised_cadre",
    "disabled_soldier",
    "reform_transfer",
]
FESTIVAL_RECORD = ["home", "situations", "needs", "comfort", "signature"]
HOME_RECORD = ["home", "situations", "needs"]
NO_NUMBER = "依据文件未规定具体{what}，此处为默认值，省级可在规则页面调整。"


def _festival_who() -> dict:
    return {"pension": True, "merits": MERIT_SECOND_OR_ABOVE + WARTIME_THIRD_OR_ABOVE}


def _event(kind: str, *, months: int = 0, days: int = 0, **extra) -> dict:
    return {
        "timing": "event",
        "anchor": "recorded_event",
        "event_kind": kind,
        "months_after": months,
        "days_after": days,
        **extra,
    }


SEED_RULES: list[tuple[str, str, dict]] = [
    (
        "spring-festival",
        "春节走访慰问",
        {
            "source": "000 走访慰问；001 第二十五条、附件第五部分 三(二)1；002 §5.5.2",
            "description": "抚恤定补优抚对象，服现役期间荣立二等功或战时三等功以上奖励的退役军人。"
            "春节为农历正月初一（由农历库计算）；" + NO_NUMBER.format(what="走访时段"),
            **_festival_who(),
            "timing": "lunar_date",
            "month": 1,
            "day": 1,
            "days_before": 30,
            "days_after": 15,
            "record_items": FESTIVAL_RECORD,
        },
    ),
    (
        "army-day",
        "“八一”建军节走访慰问",
        {
            "source": "000 走访慰问；001 第二十五条、附件第五部分 三(二)1",
            "description": "抚恤定补优抚对象，服现役期间荣立二等功或战时三等功以上奖励的退役军人。"
            + NO_NUMBER.format(what="走访时段"),
            **_festival_who(),
            "timing": "fixed_date",
            "month": 8,
            "day": 1,
            "days_before": 15,
            "days_after": 7,
            "record_items": FESTIVAL_RECORD,
        },
    ),
    (
        "martyrs-day",
        "烈士纪念日走访慰问烈士遗属",
        {
            "source": "000 走访慰问；001 附件第五部分 三(二)4",
            "description": "9月30日烈士纪念日，走访慰问烈士遗属家庭。"
            + NO_NUMBER.format(what="走访时段"),
            "categories": ["martyr_family"],
            "timing": "fixed_date",
            "month": 9,
            "day": 30,
            "days_before": 10,
            "days_after": 0,
            "record_items": FESTIVAL_RECORD,
        },
    ),
    (
        "new-pension",
        "新审批抚恤定补对象上门走访",
        {
            "source": "000 走访慰问",
            "description": "每年新审批的抚恤定补优抚对象，审批完成后1个月内上门走访慰问，"
            "让其知晓享受的待遇、优待内容和办理方式。批准日期取档案“抚恤优待”中的抚恤补助批准时间。",
            "pension": True,
            "timing": "event",
            "anchor": "pension_approved_on",
            "months_after": 1,
            "record_items": HOME_RECORD,
        },
    ),
    (
        "birthday-70",
        "70周岁以上重点优抚对象生日走访",
        {
            "source": "001 附件第五部分 三(二)2",
            "description": "重点优抚对象（享受抚恤定补者）70周岁及以上的，生日时走访慰问；"
            "年龄按当年生日计算。" + NO_NUMBER.format(what="走访时段"),
            "pension": True,
            "min_age": 70,
            "timing": "anniversary",
            "anchor": "birth_date",
            "days_before": 3,
            "days_after": 3,
            "record_items": FESTIVAL_RECORD,
        },
    ),
    (
        "martyr-anniversary",
        "烈士忌日走访烈士遗属",
        {
            "source": "001 附件第五部分 三(二)4",
            "description": "烈士忌日走访烈士遗属。忌日取档案中“烈士遗属”类别的起始日期。"
            + NO_NUMBER.format(what="走访时段"),
            "categories": ["martyr_family"],
            "timing": "anniversary",
            "anchor": "category_start",
            "days_before": 3,
            "days_after": 3,
            "record_items": FESTIVAL_RECORD,
        },
    ),
    (
        "serving-merit",
        "现役人员立功受奖走访（送喜报）",
        {
            "source": "000 走访慰问（立功受奖军人家庭送喜报）；001 附件第五部分 三(二)3；"
            "002 §5.4.3.4；003 第34项",
            "description": "现役军人立功受奖的，对其家庭走访慰问、送喜报。事件由经办人登记或"
            "其他模块（喜报）提出。" + NO_NUMBER.format(what="时限"),
            "categories": ["serving_family"],
            **_event("merit", months=1),
            "record_items": HOME_RECORD,
        },
    ),
    (
        "serving-discharge",
        "现役人员退出现役走访",
        {
            "source": "001 附件第五部分 三(二)3",
            "description": "现役人员退出现役时走访其家庭。" + NO_NUMBER.format(what="时限"),
            "categories": ["serving_family"],
            **_event("serving_discharge", months=1),
            "record_items": HOME_RECORD,
        },
    ),
    (
        "veteran-death",
        "退役军人离世走访慰问家属",
        {
            "source": "001 附件第五部分 三(二)5",
            "description": "退役军人离世，走访慰问其家属。逝者只计入与去世有关的规则。"
            + NO_NUMBER.format(what="时限"),
            "subject": "deceased",
            "categories": SERVED,
            "timing": "event",
            "anchor": "death_date",
            "days_after": 15,
            "record_items": ["home", "needs", "comfort", "signature"],
        },
    ),
    (
        "return-home",
        "退役返乡必访",
        {
            "source": "001 第二十七条；002 §5.4.3.1；003 第33项；000 退役返乡报到 c)",
            "description": "六必访之一：退役返乡入户走访，宣传政策，发放联络服务卡。"
            "返乡日期取档案“服役信息”中的退役时间。" + NO_NUMBER.format(what="时限"),
            "timing": "event",
            "anchor": "discharge_date",
            "months_after": 1,
            "record_items": HOME_RECORD,
        },
    ),
    (
        "return-home-reported",
        "退役返乡必访（登记返乡）",
        {
            "source": "001 第二十七条；002 §5.4.3.1；003 第33项",
            "description": "六必访之一：经办人登记的返乡（档案尚无退役时间，或返乡晚于退役）"
            "同样须在限期内入户走访。" + NO_NUMBER.format(what="时限"),
            **_event("return_home", months=1),
            "record_items": HOME_RECORD,
        },
    ),
    (
        "merit-visit",
        "立功受奖必访",
        {
            "source": "001 第二十七条；002 §5.4.3.1；003 第34项",
            "description": "六必访之一。事件（喜报）由经办人登记或其他模块提出。"
            + NO_NUMBER.format(what="时限"),
            **_event("merit", months=1),
            "record_items": HOME_RECORD,
        },
    ),
    (
        "hero-model",
        "英模典型必访",
        {
            "source": "001 第二十七条；002 §5.4.3.1；003 第35项",
            "description": "六必访之一：体现尊崇，弘扬典型。" + NO_NUMBER.format(what="时限"),
            **_event("hero_model", months=1),
            "record_items": HOME_RECORD,
        },
    ),
    (
        "hardship",
        "遇到困难必访",
        {
            "source": "001 第二十七条；002 §5.4.3.1、§5.5.3",
            "description": "六必访之一。事件由经办人登记或帮扶救助模块提出。"
            + NO_NUMBER.format(what="时限"),
            **_event("hardship", days=15),
            "record_items": HOME_RECORD,
        },
    ),
    (
        "major-change",
        "重大变故必访",
        {
            "source": "001 第二十七条、附件第五部分 三(三)6；002 §5.4.3.1、§5.5.3；003 第36项；"
            "000 走访慰问",
            "description": "六必访之一，协助做好相关政策申请。" + NO_NUMBER.format(what="时限"),
            **_event("major_change", days=7),
            "record_items": HOME_RECORD,
        },
    ),
    (
        "county-key-groups",
        "县级重点人员定期走访",
        {
            "source": "001 附件第五部分 三(三)1–5、三(四)",
            "description": "建国前参加革命的老战士、“参战参试”退役军人、烈士遗属、伤残军人、"
            "荣立二等功及以上奖励退役军人，由县级服务中心定期走访并建立联系人制度；"
            "遭遇重大变故的家庭见“重大变故必访”。老战士配偶在档案中没有标记，暂不能自动列入。"
            + NO_NUMBER.format(what="次数"),
            "flags": ["pre1949_veteran", "combat_veteran"],
            "categories": ["martyr_family", "disabled_soldier"],
            "merits": MERIT_SECOND_OR_ABOVE,
            "timing": "frequency",
            "times_per_year": 1,
            "responsible_level": Level.COUNTY,
            "record_items": ["home", "situations", "needs", "contact_person"],
        },
    ),
    (
        "empty-nest",
        "空巢（独居）老兵、外出务工家庭提高走访频次",
        {
            "source": "003 第37项",
            "description": "对空巢（含独居）老兵、退役军人外出务工的家庭等，提高走访慰问频次。"
            + NO_NUMBER.format(what="次数"),
            "flags": ["empty_nest", "migrant_family"],
            "timing": "frequency",
            "times_per_year": 4,
            "record_items": HOME_RECORD,
        },
    ),
    (
        "key-very-old",
        "高龄优抚对象重点走访",
        {
            "source": "000 走访慰问",
            "description": "高龄优抚对象重点走访慰问。" + NO_NUMBER.format(what="年龄和次数"),
            "pension": True,
            "min_age": 80,
            "timing": "frequency",
            "times_per_year": 2,
            "record_items": HOME_RECORD,
        },
    ),
    *[
        (
            f"key-{kind.replace('_', '-')}",
            f"{label}优抚对象重点走访",
            {
                "source": "000 走访慰问",
                "description": f"{label}的优抚对象，重点走访慰问，帮助解决急难愁盼问题。"
                "事件由经办人登记。" + NO_NUMBER.format(what="时限"),
                "pension": True,
                **_event(kind, days=days),
                "record_items": HOME_RECORD,
            },
        )
        for kind, label, days in (
            ("no_children", "身边无子女", 30),
            ("unable_self_care", "生活不能自理", 15),
            ("serious_illness", "罹患重病", 7),
            ("critical_illness", "病危", 3),
        )
    ],
    (
        "contact-coverage",
        "联系全覆盖",
        {
            "source": "003 第41项；002 §5.5.1；001 第二十四条、附件第五部分 三(四)",
            "description": "与每名在世的服务对象建立联系机制：有明确的责任联系人，每年至少联系"
            "规定次数，电话、走访、座谈交流均计入。" + NO_NUMBER.format(what="次数"),
            "timing": "frequency",
            "times_per_year": 1,
            "contact_counts": "any",
            "record_items": ["contact_person"],
        },
    ),
]


@transaction.atomic
def load_seed_rules() -> int:
    """Add the seed rules that are missing; existing rules (and their versions, changed or
    retired) are kept."""
    from .services import rule_add

    created = 0
    for code, name, content in SEED_RULES:
        if VisitRule.objects.filter(code=code).exists():
            continue
        rule_add(actor=None, code=code, name=name, content=content, national=True)
        created += 1
    return created
