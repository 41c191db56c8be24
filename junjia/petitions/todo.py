"""What petitions put on the handler's home page (core.todo): the petitions she handles first
(or as B while the first handler is away), those she owns as leader, and those waiting to be
taken up at her station — soonest due first, overdue once the statutory limit has passed."""

from django.urls import reverse

from junjia.core.todo import MINE, WorkflowQueue

from .selectors import todo_rows
from .workflow import PETITION_WORKFLOW


def _title(petition) -> str:
    # The number only: a B or a leader reads the content on the page, audited.
    return f"信访件 {petition.number}（{petition.handling_station.name}）"


QUEUES = (
    WorkflowQueue(
        PETITION_WORKFLOW,
        "信访",
        MINE,
        rows=todo_rows,
        title=_title,
        link=lambda petition: reverse("petitions:detail", args=[petition.pk]),
    ),
)
