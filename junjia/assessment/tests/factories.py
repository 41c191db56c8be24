"""Helpers of the assessment tests: the village-station sheet as loaded, a county's round,
entries scoring every row."""

from decimal import Decimal

from junjia.assessment import engine, services, sheets
from junjia.assessment.choices import RowKind, ScoringKind
from junjia.assessment.models import Assessment
from junjia.assessment.scoring import ScoringInput
from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff


def loaded_version():
    return sheets.load(sheets.VILLAGE_2023).version


def open_round(personas, *, year=2027, quarter=1):
    loaded_version()
    return services.round_open(actor=personas.head_county, year=year, quarter=quarter)


def township_head(tree, username="scorer_town1"):
    return make_staff(tree.stations.town1, Role.STATION_HEAD, username=username)


def full_marks(version, **changes) -> ScoringInput:
    """Every scored row at its points; `changes` {number: (score, note)} withhold some."""
    data = ScoringInput()
    for row in version.rows.filter(kind=RowKind.SCORED):
        data.scores[row.number] = row.points
        data.notes[row.number] = ""
    for number, (score, note) in changes.items():
        data.scores[int(number)] = Decimal(score)
        data.notes[int(number)] = note
    return data


def scored(actor, assessment: Assessment, data: ScoringInput, kind=ScoringKind.TOWNSHIP):
    return services.scoring_save(actor=actor, assessment=assessment, kind=kind, data=data)


def sheet_spec():
    return engine.sheet_of(loaded_version())


def form_body(version, **changes) -> dict:
    """The scoring page's form, every row at full marks, saved as a draft."""
    data = {"action": "save"}
    for row in version.rows.filter(kind=RowKind.SCORED):
        data[f"score_{row.number}"] = format(row.points.normalize(), "f")
        data[f"note_{row.number}"] = ""
    data.update(changes)
    return data


def api_body(version) -> dict:
    """The API's scores, every row at full marks."""
    return {
        "rows": [
            {"number": row.number, "score": float(row.points)}
            for row in version.rows.filter(kind=RowKind.SCORED)
        ]
    }
