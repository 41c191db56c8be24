"""The score engine on 003 as loaded: the totals, the bonus cap and the one-matter rule, the
veto (a separate fail, never a cap), a pass at exactly 90 and a fail at 89.5; the row
checks naming the row."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from junjia.assessment import engine
from junjia.assessment.engine import Claim, check, evaluate
from junjia.assessment.sheets import VILLAGE_2023, read
from junjia.core.errors import InvalidInput

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def sheet():
    from junjia.assessment.tests.factories import sheet_spec

    return sheet_spec()


def parsed_sheet() -> engine.Sheet:
    """The same sheet, parsed without the database (for hypothesis)."""
    parsed = read(VILLAGE_2023)
    return engine.Sheet(
        rows=tuple(
            engine.Row(r.number, r.kind, r.points, tuple(r.conditions)) for r in parsed.rows
        ),
        declared_total=parsed.declared_total,
        pass_mark=parsed.pass_mark,
        pass_inclusive=parsed.pass_inclusive,
        bonus_cap=parsed.bonus_cap,
        bonus_one_matter=parsed.bonus_one_matter,
    )


def full(sheet, **withheld) -> dict[int, Decimal]:
    scores = {r.number: r.points for r in sheet.of_kind("scored")}
    for number, points in withheld.items():
        scores[int(number.removeprefix("r"))] -= D(points)
    return scores


def test_full_marks_are_the_declared_100_and_pass(sheet):
    result = evaluate(sheet, full(sheet))
    assert (result.scored_total, result.bonus_applied, result.total) == (100, 0, 100)
    assert result.passed and result.complete and not result.vetoed


def test_exactly_90_passes_and_89_5_fails(sheet):
    # rows 6, 7, 9 (3 points each) and 2 (2 points) withheld: 100 - 10 = 90
    at_90 = full(sheet, r6="3", r7="3", r9="3", r3="1")
    assert evaluate(sheet, at_90).total == 90
    assert evaluate(sheet, at_90).passed is True
    at_89_5 = dict(at_90)
    at_89_5[1] = D("0.5")
    result = evaluate(sheet, at_89_5)
    assert result.total == D("89.5")
    assert result.passed is False


def test_bonus_lifts_a_station_over_the_mark(sheet):
    scores = full(sheet, r6="3", r7="3", r9="3", r3="2")  # 89
    assert not evaluate(sheet, scores).passed
    result = evaluate(sheet, scores, [Claim(60, D(2), "防汛抢险突击队")])
    assert (result.total, result.bonus_applied, result.passed) == (91, 2, True)


def test_bonus_is_capped_at_10(sheet):
    claims = [
        Claim(58, D(4), "“老兵调解室”经验"),
        Claim(58, D(4), "退役军人志愿服务品牌"),
        Claim(59, D(4), "就业帮扶做法"),
    ]
    result = evaluate(sheet, full(sheet), claims)
    assert (result.bonus_claimed, result.bonus_applied, result.total) == (12, 10, 110)
    assert result.counted == [True, True, True]


def test_one_matter_counts_only_its_highest_bonus(sheet):
    claims = [
        Claim(58, D(3), "老兵调解室"),  # 省部级领导批示
        Claim(59, D(2), "老兵调解室"),  # 地市级媒体报道 of the same matter
        Claim(59, D(4), " 老兵 调解室"),  # 央媒报道, the same matter written with spaces
    ]
    result = evaluate(sheet, full(sheet, r1="1"), claims)
    assert result.counted == [False, False, True]
    assert (result.bonus_claimed, result.bonus_applied, result.total) == (4, 4, 103)


def test_without_the_one_matter_rule_the_same_claims_add_up(sheet):
    from dataclasses import replace

    lenient = replace(sheet, bonus_one_matter=False)
    claims = [Claim(58, D(3), "老兵调解室"), Claim(59, D(2), "老兵调解室")]
    assert evaluate(lenient, full(sheet), claims).bonus_applied == 5
    assert evaluate(sheet, full(sheet), claims).bonus_applied == 3


def test_a_veto_fails_full_marks_and_leaves_the_score_as_it_is(sheet):
    claims = [Claim(58, D(4), "老兵调解室")]
    result = evaluate(sheet, full(sheet), claims, vetoes=[2])
    assert result.total == 104  # the veto is no cap on the score
    assert result.vetoed is True
    assert result.passed is False


def test_missing_rows_count_nothing_and_do_not_pass(sheet):
    scores = full(sheet)
    del scores[27]
    result = evaluate(sheet, scores)
    assert result.missing == [27]
    assert (result.total, result.complete, result.passed) == (97, False, False)


def test_a_pass_mark_not_inclusive_fails_at_the_mark(sheet):
    from dataclasses import replace

    strict = replace(sheet, pass_inclusive=False)
    at_90 = full(sheet, r6="3", r7="3", r9="3", r3="1")
    assert evaluate(strict, at_90).passed is False


@pytest.mark.parametrize(
    ("scores", "notes", "field", "message"),
    [
        ({27: D(4)}, {}, "score_27", "第27项得分应在 0 至 3 分之间。"),
        ({27: D(-1)}, {}, "score_27", "第27项得分应在 0 至 3 分之间。"),
        ({27: D("2.3")}, {27: "x"}, "score_27", "第27项得分只能按 0.5 分为单位（如 1、1.5、2）。"),
        ({27: D(2)}, {27: "  "}, "note_27", "第27项扣了 1 分，请填写扣分说明。"),
        ({27: D("1.5")}, {}, "note_27", "第27项扣了 1.5 分，请填写扣分说明。"),
        ({58: D(1)}, {}, "score_58", "评分表中没有第58项。"),
        ({99: D(1)}, {}, "score_99", "评分表中没有第99项。"),
    ],
)
def test_row_checks_name_the_row(sheet, scores, notes, field, message):
    with pytest.raises(InvalidInput) as refused:
        check(sheet, scores, notes)
    assert (refused.value.field, str(refused.value)) == (field, message)


def test_a_complete_check_names_the_first_row_not_scored(sheet):
    scores = full(sheet)
    del scores[12], scores[40]
    check(sheet, scores, {})  # a draft may miss rows
    with pytest.raises(InvalidInput) as refused:
        check(sheet, scores, {}, complete=True)
    assert (refused.value.field, str(refused.value)) == ("score_12", "第12项尚未评分。")


@pytest.mark.parametrize(
    ("claim", "field", "message"),
    [
        (Claim(27, D(2), "x"), "claim_row_1", "第27项不是加分项。"),
        (Claim(60, D(3), "x"), "claim_points_1", "第60项每个事项加分应在 0.5 至 2 分之间。"),
        (Claim(58, D(0), "x"), "claim_points_1", "第58项每个事项加分应在 0.5 至 4 分之间。"),
        (
            Claim(58, D(2), " "),
            "claim_matter_1",
            "第58项的加分请填写事项（同一事项只计最高加分）。",
        ),
    ],
)
def test_bonus_checks_name_the_claim(sheet, claim, field, message):
    with pytest.raises(InvalidInput) as refused:
        check(sheet, {}, {}, [claim])
    assert (refused.value.field, str(refused.value)) == (field, message)


def test_veto_checks(sheet):
    with pytest.raises(InvalidInput) as refused:
        check(sheet, {}, {}, vetoes=[5], veto_note="x")
    assert str(refused.value) == "一票否决没有第5种情形。"
    with pytest.raises(InvalidInput) as refused:
        check(sheet, {}, {}, vetoes=[1])
    assert (refused.value.field, str(refused.value)) == (
        "veto_note",
        "选择了一票否决情形，请填写否决说明。",
    )


# --- properties ------------------------------------------------------------------------------

SHEET = parsed_sheet()
HALVES = st.integers(min_value=0, max_value=6).map(lambda n: D(n) / 2)


@st.composite
def entries(draw):
    scores = {}
    for row in SHEET.of_kind("scored"):
        if draw(st.booleans()) or draw(st.booleans()):
            scores[row.number] = min(draw(HALVES), row.points)
    claims = [
        Claim(
            draw(st.sampled_from([58, 59, 60])),
            draw(st.integers(min_value=1, max_value=4).map(D)),
            draw(st.sampled_from(["甲", "乙", "丙", "丁"])),
        )
        for _ in range(draw(st.integers(min_value=0, max_value=6)))
    ]
    claims = [c for c in claims if c.points <= SHEET.row(c.row).points]
    vetoes = draw(st.lists(st.integers(min_value=1, max_value=4), max_size=2))
    return scores, claims, vetoes


@settings(max_examples=200, deadline=None, database=None)
@given(entries())
def test_a_score_never_exceeds_the_rows_and_the_cap(data):
    scores, claims, vetoes = data
    result = evaluate(SHEET, scores, claims, vetoes)
    assert result.total <= SHEET.rows_total + SHEET.bonus_cap
    assert result.bonus_applied <= SHEET.bonus_cap
    assert result.total == result.scored_total + result.bonus_applied


@settings(max_examples=200, deadline=None, database=None)
@given(entries())
def test_a_veto_always_fails(data):
    scores, claims, _ = data
    assert evaluate(SHEET, scores, claims, [1]).passed is False


@settings(max_examples=200, deadline=None, database=None)
@given(entries())
def test_per_matter_only_the_highest_claim_counts(data):
    scores, claims, vetoes = data
    result = evaluate(SHEET, scores, claims, vetoes)
    counted = [c for c, ok in zip(claims, result.counted, strict=True) if ok]
    matters = [engine.matter_key(c.matter) for c in counted]
    assert len(matters) == len(set(matters))
    for claim in claims:
        best = max(
            c.points
            for c in counted
            if engine.matter_key(c.matter) == engine.matter_key(claim.matter)
        )
        assert claim.points <= best
