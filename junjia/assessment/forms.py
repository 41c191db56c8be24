"""Forms of assessment: opening a quarter, and the score sheet filled in row by row (one
field pair per row, bonus claims, veto conditions) built from the round's sheet version."""

from decimal import Decimal, InvalidOperation

from django import forms

from junjia.core import clock
from junjia.core.errors import InvalidInput
from junjia.core.text import GuardedForm

from . import engine, errors
from .choices import Quarter, RowKind
from .scoring import ScoringInput

CLAIM_SLOTS = 3
NOTE = {"rows": 2, "placeholder": "扣分时必填：说明扣分原因"}


class RoundForm(GuardedForm):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label="季度", choices=Quarter.choices, coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = clock.today()
        self.fields["year"].initial = today.year
        self.fields["quarter"].initial = (today.month - 1) // 3 + 1


class ScoringForm(GuardedForm):
    """Every scored row: a score (text, so "1.5" and "1,5" are read the same way and a bad
    value is named by its row) and a note; the bonus claims; the veto conditions."""

    def __init__(self, *args, groups, scoring=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = groups
        initial = _initial(scoring) if scoring is not None else {}
        self.bonus_rows = []
        self.veto_row = None
        for group in groups:
            for row in group.rows.all():
                if row.kind == RowKind.SCORED:
                    self.fields[f"score_{row.number}"] = forms.CharField(
                        label=f"第{row.number}项得分",
                        required=False,
                        max_length=6,
                        initial=initial.get(f"score_{row.number}", ""),
                        widget=forms.TextInput(
                            attrs={
                                "inputmode": "decimal",
                                "data-points": row.points,
                                "class": "score",
                                "size": 4,
                            }
                        ),
                    )
                    self.fields[f"note_{row.number}"] = forms.CharField(
                        label=f"第{row.number}项扣分说明",
                        required=False,
                        max_length=500,
                        initial=initial.get(f"note_{row.number}", ""),
                        widget=forms.Textarea(attrs=NOTE),
                    )
                elif row.kind == RowKind.BONUS:
                    self.bonus_rows.append(row)
                elif row.kind == RowKind.VETO:
                    self.veto_row = row
        bonus_choices = [("", "—"), *[(r.number, f"第{r.number}项") for r in self.bonus_rows]]
        for index in range(1, CLAIM_SLOTS + 1):
            self.fields[f"claim_row_{index}"] = forms.ChoiceField(
                label=f"加分{index}：加分项",
                choices=bonus_choices,
                required=False,
                initial=initial.get(f"claim_row_{index}", ""),
            )
            self.fields[f"claim_matter_{index}"] = forms.CharField(
                label=f"加分{index}：事项",
                required=False,
                max_length=200,
                initial=initial.get(f"claim_matter_{index}", ""),
            )
            self.fields[f"claim_points_{index}"] = forms.CharField(
                label=f"加分{index}：分数",
                required=False,
                max_length=6,
                initial=initial.get(f"claim_points_{index}", ""),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "bonus"}),
            )
        if self.veto_row is not None:
            self.fields["vetoes"] = forms.TypedMultipleChoiceField(
                label="一票否决情形（发生的勾选）",
                choices=list(enumerate(self.veto_row.conditions, start=1)),
                coerce=int,
                required=False,
                initial=initial.get("vetoes", []),
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields["veto_note"] = forms.CharField(
                label="否决说明",
                required=False,
                max_length=1000,
                initial=initial.get("veto_note", ""),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def sections(self) -> list[dict]:
        """The scored groups with each row's standard and its two fields, for the page."""
        result = []
        for group in self.groups:
            if group.kind != RowKind.SCORED:
                continue
            rows = [
                {
                    "row": row,
                    "score": self[f"score_{row.number}"],
                    "note": self[f"note_{row.number}"],
                }
                for row in group.rows.all()
            ]
            result.append({"group": group, "rows": rows})
        return result

    def claim_slots(self) -> list[tuple]:
        return [
            (
                self[f"claim_row_{i}"],
                self[f"claim_matter_{i}"],
                self[f"claim_points_{i}"],
            )
            for i in range(1, CLAIM_SLOTS + 1)
        ]

    def entries(self) -> ScoringInput:
        """The cleaned form as the engine's entries; a score that is not a number is a
        form error under its row."""
        data = self.cleaned_data
        entries = ScoringInput(veto_note=data.get("veto_note", ""))
        for name, value in data.items():
            if name.startswith("score_") and str(value).strip():
                number = int(name.removeprefix("score_"))
                score = _decimal(value)
                if score is None:
                    raise InvalidInput(errors.BAD_SCORE_INPUT.format(number=number), field=name)
                entries.scores[number] = score
                entries.notes[number] = data.get(f"note_{number}", "")
        for index in range(1, CLAIM_SLOTS + 1):
            row = data.get(f"claim_row_{index}")
            matter = data.get(f"claim_matter_{index}", "")
            raw = data.get(f"claim_points_{index}", "")
            if not (row or matter.strip() or raw.strip()):
                continue
            if not row:
                raise InvalidInput(
                    errors.BAD_CLAIM_ROW.format(index=index), field=f"claim_row_{index}"
                )
            points = _decimal(raw)
            if points is None:
                raise InvalidInput(
                    errors.BAD_CLAIM_POINTS.format(index=index), field=f"claim_points_{index}"
                )
            entries.claims.append(engine.Claim(int(row), points, matter))
        entries.vetoes = list(data.get("vetoes") or [])
        return entries


def _decimal(value) -> Decimal | None:
    text = str(value).strip().replace("，", ".").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _initial(scoring) -> dict:
    initial: dict = {}
    for r in scoring.rows.all():
        initial[f"score_{r.row.number}"] = format(r.score.normalize(), "f")
        initial[f"note_{r.row.number}"] = r.note
    for index, claim in enumerate(scoring.claims.all().order_by("id"), start=1):
        initial[f"claim_row_{index}"] = claim.row.number
        initial[f"claim_matter_{index}"] = claim.matter
        initial[f"claim_points_{index}"] = format(claim.points.normalize(), "f")
    initial["vetoes"] = list(scoring.vetoes or [])
    initial["veto_note"] = scoring.veto_note
    return initial
