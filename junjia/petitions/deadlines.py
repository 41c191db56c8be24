"""What the one deadline scanner (core.deadlines) tells of petitions: due soon — the first
handler (or, while none has taken it up, the handling station's head) and the leader; overdue —
also the handling station's head; escalated — the head of the station above. The texts carry
the number only: the content is for those who may read it. Calendar-day limits are not
recounted when a year's holidays change."""

from junjia.core.deadlines import ESCALATED, OVERDUE, Watch, due_phrase
from junjia.orgs.api import station_heads, station_heads_above

from .models import Petition
from .workflow import PETITION_WORKFLOW


def _people(rows, kind):
    stations = {row.pk: row.handling_station_id for row in rows}
    if kind == ESCALATED:
        above = station_heads_above(stations.values())
        return {pk: [above.get(station)] for pk, station in stations.items()}
    heads = station_heads(stations.values())
    people = {}
    for row in rows:
        head = heads.get(stations[row.pk])
        told = [row.owner_id or (head.pk if head else None), row.leader_id]
        if kind == OVERDUE:
            told.append(head.pk if head else None)
        people[row.pk] = told
    return people


def _text(petition, kind) -> str:
    where = f"{petition.handling_station.name}的" if kind == ESCALATED else ""
    step = petition.get_status_display()
    return f"{where}信访件 {petition.number}（{step}）{due_phrase(petition.due_on, kind)}。"


WATCHES = (
    Watch(
        PETITION_WORKFLOW,
        Petition,
        people=_people,
        text=_text,
        link=lambda petition: f"/petitions/{petition.pk}/",
        select_related=("handling_station",),
        only=("number", "owner", "leader", "handling_station__name"),
    ),
)
