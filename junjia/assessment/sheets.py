"""The score sheets the project ships, read from the documents exactly as written.

003 附件1 (the village-station score sheet of the 丰都县 plan, data/003_64ef17af231474d6.txt,
a copy of the public document) is a table whose cells each start with a tab; a cell
continues on the lines that do not (a group label "（一）\\n组织领导"), and a blank line ends
a table row. The parser keeps every row's standard word for word; the rules the engine
applies — the declared total, the bonus cap, the one-matter rule, the pass mark — are read
from the sheet's own notes and group labels, and the loader compares the rows' sum with the
declared total and keeps the difference on the version instead of hiding it."""

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from .choices import RowKind

DATA = Path(__file__).parent / "data"


class SheetFormatError(ValueError):
    pass


@dataclass
class ParsedRow:
    number: int
    standard: str
    points: Decimal | None
    kind: str
    conditions: list[str] = field(default_factory=list)


@dataclass
class ParsedGroup:
    label: str
    kind: str
    cap: Decimal | None
    rows: list[ParsedRow] = field(default_factory=list)


@dataclass
class ParsedSheet:
    title: str
    groups: list[ParsedGroup]
    notes: str
    declared_total: Decimal
    bonus_cap: Decimal
    bonus_one_matter: bool
    pass_mark: Decimal
    pass_inclusive: bool

    @property
    def rows(self) -> list[ParsedRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def rows_total(self) -> Decimal:
        return sum((r.points for r in self.rows if r.kind == RowKind.SCORED), Decimal(0))

    def digest(self) -> str:
        data = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(data.encode()).hexdigest()


@dataclass(frozen=True)
class SheetSource:
    code: str
    name: str
    file: str
    start: str  # the cell that opens the table's section
    end: str  # the cell that opens what follows it
    source: str


# 003 附件1: 服务对象100人以下村（社区）退役军人服务站规范建设运行验收评分表.
VILLAGE_2023 = SheetSource(
    code="village-station-2023",
    name="村（社区）退役军人服务站规范建设运行验收评分表",
    file="003_64ef17af231474d6.txt",
    start="\t附件1",
    end="\t附件2",
    source="丰都县退役军人事务局 丰退役军人局发〔2023〕7号 附件1",
)
SOURCES = (VILLAGE_2023,)

ONE_MATTER = "同一事项只计最高加分"
TOTAL = re.compile(r"总分值\s*(\d+(?:\.\d+)?)\s*分")
BONUS = re.compile(r"加分项\s*(\d+(?:\.\d+)?)\s*分")
PASS = re.compile(r"达到\s*(\d+(?:\.\d+)?)\s*分(（含）)?以上")
GROUP_CAP = re.compile(r"（(\d+(?:\.\d+)?)分）")
CONDITION = re.compile(r"(?:^|；)\d+、")


def section(text: str, source: SheetSource) -> str:
    try:
        return text[text.index(source.start) : text.index(source.end)]
    except ValueError as exc:
        raise SheetFormatError(f"找不到评分表所在部分（{source.start.strip()}）") from exc


def cells(text: str) -> list[list[str]]:
    """The table rows of a section: lists of cells, a cell's continuation lines joined."""
    rows: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        if line.startswith("\t"):
            current.append(line[1:])
        elif not line.strip():
            if current:
                rows.append(current)
                current = []
        elif current:
            current[-1] += "\n" + line
        else:
            raise SheetFormatError(f"无法识别的行：{line[:40]}")
    if current:
        rows.append(current)
    return rows


def _points(text: str) -> Decimal | None:
    text = text.strip()
    return Decimal(text) if text else None


def _kind(label: str) -> str:
    if "一票否决" in label:
        return RowKind.VETO
    if "加分" in label:
        return RowKind.BONUS
    return RowKind.SCORED


def parse(text: str, source: SheetSource) -> ParsedSheet:
    rows = cells(section(text, source))
    title = ""
    groups: list[ParsedGroup] = []
    notes = ""
    for row in rows:
        if len(row) == 5 and row[1].strip().isdigit():
            label, number, standard, points, _score = row
            if label.strip():
                kind = _kind(label)
                cap = GROUP_CAP.search(label)
                groups.append(
                    ParsedGroup(label.strip(), kind, Decimal(cap.group(1)) if cap else None)
                )
            if not groups:
                raise SheetFormatError(f"第{number.strip()}项之前没有项目名称。")
            group = groups[-1]
            conditions = []
            if group.kind == RowKind.VETO:
                conditions = [c for c in CONDITION.split(standard) if c.strip()]
            group.rows.append(
                ParsedRow(int(number), standard, _points(points), group.kind, conditions)
            )
        elif len(row) == 1 and row[0].startswith("注："):
            notes = row[0]
        elif len(row) == 1 and not title and "评分表" in row[0]:
            title = row[0].strip()
    numbers = [r.number for g in groups for r in g.rows]
    if numbers != list(range(1, len(numbers) + 1)):
        raise SheetFormatError("评分表的序号不连续。")
    flat = " ".join(notes.split())
    total, bonus, passing = TOTAL.search(flat), BONUS.search(flat), PASS.search(flat)
    if not (total and bonus and passing):
        raise SheetFormatError("评分表的表注中找不到总分值、加分上限或达标分数线。")
    return ParsedSheet(
        title=title,
        groups=groups,
        notes=notes,
        declared_total=Decimal(total.group(1)),
        bonus_cap=Decimal(bonus.group(1)),
        bonus_one_matter=ONE_MATTER in flat,
        pass_mark=Decimal(passing.group(1)),
        pass_inclusive=bool(passing.group(2)),
    )


def read(source: SheetSource) -> ParsedSheet:
    return parse((DATA / source.file).read_text(encoding="utf-8"), source)


@dataclass
class Loaded:
    source: SheetSource
    version: object
    created: bool


@transaction.atomic
def load(source: SheetSource) -> Loaded:
    """Publish the sheet as written, unless its current version already holds exactly this
    content (idempotent); a changed document becomes a new version."""
    from .models import ScoreGroup, ScoreRow, ScoreSheet, ScoreSheetVersion

    parsed = read(source)
    digest = parsed.digest()
    sheet, _ = ScoreSheet.objects.get_or_create(code=source.code, defaults={"name": source.name})
    current = sheet.current_version
    if current is not None and current.digest == digest:
        return Loaded(source, current, False)
    number = (sheet.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ScoreSheetVersion.objects.create(
        sheet=sheet,
        number=number,
        source=source.source,
        title=parsed.title,
        declared_total=parsed.declared_total,
        rows_total=parsed.rows_total,
        bonus_cap=parsed.bonus_cap,
        bonus_one_matter=parsed.bonus_one_matter,
        pass_mark=parsed.pass_mark,
        pass_inclusive=parsed.pass_inclusive,
        notes=parsed.notes,
        digest=digest,
    )
    for order, group in enumerate(parsed.groups, start=1):
        stored = ScoreGroup.objects.create(
            version=version, order=order, label=group.label, kind=group.kind, cap=group.cap
        )
        ScoreRow.objects.bulk_create(
            ScoreRow(
                version=version,
                group=stored,
                number=row.number,
                code=f"{source.code}:{row.number}",
                standard=row.standard,
                kind=row.kind,
                points=row.points,
                conditions=row.conditions,
            )
            for row in group.rows
        )
    sheet.current_version = version
    sheet.save(update_fields=["current_version", "updated_at"])
    return Loaded(source, version, True)


def load_all() -> list[Loaded]:
    return [load(source) for source in SOURCES]
