"""The loader: 003 附件1 loaded exactly as written, idempotent, its sum checked against the
total the sheet declares (a difference kept and shown, never hidden)."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from junjia.assessment import sheets
from junjia.assessment.choices import RowKind
from junjia.assessment.models import ScoreRow, ScoreSheetVersion

pytestmark = pytest.mark.django_db
SEED = Path("/work/shared/seeds/003_64ef17af231474d6.txt")
SHIPPED = sheets.DATA / sheets.VILLAGE_2023.file


def seed_rows(text: str) -> dict[int, tuple[str, str]]:
    """{number: (standard, points)} read off the document by a second, line-based reading:
    a line holding only a tab and a number, the next line the standard, the next the
    points."""
    lines = text.split("\n")
    found = {}
    for i, line in enumerate(lines):
        if re.fullmatch(r"\t\d{1,2}", line) and lines[i + 1].startswith("\t"):
            number = int(line.strip())
            if 1 <= number <= 61 and number not in found:
                found[number] = (lines[i + 1][1:], lines[i + 2][1:])
    return found


def test_the_shipped_copy_is_the_seed_document():
    if not SEED.exists():
        pytest.skip("the shared seeds are not on this machine")
    assert SHIPPED.read_bytes() == SEED.read_bytes()


def test_every_row_is_loaded_word_for_word():
    version = sheets.load(sheets.VILLAGE_2023).version
    expected = seed_rows(SHIPPED.read_text(encoding="utf-8"))
    assert len(expected) == 61
    rows = {r.number: r for r in version.rows.all()}
    assert sorted(rows) == list(range(1, 62))
    for number, (standard, points) in expected.items():
        assert rows[number].standard == standard, number
        assert rows[number].points == (Decimal(points) if points else None), number
    assert (
        rows[27].standard
        == "做好信息常态化采集上报工作，建立“一人一档”，做到信息完整准确、动态更新。"
    )
    assert rows[27].code == "village-station-2023:27"


def test_groups_bonus_and_veto_as_the_sheet_prints_them():
    version = sheets.load(sheets.VILLAGE_2023).version
    groups = list(version.groups.all())
    assert [g.title for g in groups][:2] == ["（一） 组织领导", "（二） 工作保障"]
    assert len([g for g in groups if g.kind == RowKind.SCORED]) == 11
    bonus, veto = groups[-2], groups[-1]
    assert (bonus.label, bonus.kind, bonus.cap) == ("加分项\n（10分）", RowKind.BONUS, 10)
    assert [(r.number, r.points) for r in bonus.rows.all()] == [(58, 4), (59, 4), (60, 2)]
    assert veto.kind == RowKind.VETO
    (row61,) = veto.rows.all()
    assert row61.points is None
    assert row61.conditions == [
        "发生重大群体性事件的",
        "发生个人极端案事件的",
        "发生重大舆情负面炒作的",
        "其他规定取消考核资格的",
    ]
    assert version.rows.filter(kind=RowKind.SCORED).count() == 57


def test_the_rules_come_from_the_sheets_notes():
    version = sheets.load(sheets.VILLAGE_2023).version
    assert version.title == "服务对象100人以下村（社区）退役军人服务站规范建设运行验收评分表"
    assert version.declared_total == 100
    assert version.rows_total == 100
    assert version.sum_difference == 0
    assert version.bonus_cap == 10
    assert version.bonus_one_matter is True
    assert (version.pass_mark, version.pass_inclusive) == (90, True)
    assert version.notes.startswith("注：1.本创建标准总分值100分")


def test_loading_again_changes_nothing():
    first = sheets.load(sheets.VILLAGE_2023)
    again = sheets.load(sheets.VILLAGE_2023)
    assert first.created and not again.created
    assert again.version.pk == first.version.pk
    assert ScoreSheetVersion.objects.count() == 1
    assert ScoreRow.objects.count() == 61


def test_a_sheet_whose_rows_do_not_add_up_is_loaded_with_the_difference(tmp_path, monkeypatch):
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "本创建标准总分值100分", "本创建标准总分值105分"
    )
    (tmp_path / sheets.VILLAGE_2023.file).write_text(text, encoding="utf-8")
    monkeypatch.setattr(sheets, "DATA", tmp_path)
    version = sheets.load(sheets.VILLAGE_2023).version
    assert (version.declared_total, version.rows_total, version.sum_difference) == (105, 100, -5)


def test_the_command_reports_the_sum_check(capsys):
    call_command("load_score_sheets")
    call_command("load_score_sheets")
    out = capsys.readouterr().out
    assert "第1版（新版本），共 61 项" in out
    assert "第1版（已是最新，未改动）" in out
    assert "各计分项分值合计 100.0 分，与表中所注总分值一致" in out


def test_a_changed_document_is_a_new_version(tmp_path, monkeypatch):
    first = sheets.load(sheets.VILLAGE_2023).version
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "配备基础服务设施。", "配备基础服务设施和无障碍设施。"
    )
    (tmp_path / sheets.VILLAGE_2023.file).write_text(text, encoding="utf-8")
    monkeypatch.setattr(sheets, "DATA", tmp_path)
    second = sheets.load(sheets.VILLAGE_2023).version
    assert (first.number, second.number) == (1, 2)
    assert second.rows.get(number=11).standard == "配备基础服务设施和无障碍设施。"
    assert first.rows.get(number=11).standard == "配备基础服务设施。"
    assert second.sheet.current_version_id == second.pk
