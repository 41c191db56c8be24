"""Deterministic recipient files for the demo region, and a province-scale data set.

The demo region (青岛市 市南区、市北区、黄岛区, built by orgs.demo) gets several thousand
realistic files: valid identity numbers (mostly the county's own address code, some of other
counties, other provinces or retired codes that make registration warn), categories with
consistent dates, disabled soldiers with grades and causes, families of martyrs with the
martyr named among the family members, honours, flags, hardship, sections, and files at every
review stage with a review history whose actors are the demo staff of the right stations.

The same generator fills a province (`load_registry_demo --scale province`) with a million
files: the work is cut into parts of a few thousand people, each part generated from its own
seed (so the result does not depend on the number of worker processes), and streamed into
PostgreSQL with COPY in one transaction.

Column values are exactly those the services write: identity and phone numbers through
core.personal, pinyin keys through naming.pinyin_keys, sections shaped as the section forms
save them, snapshots (open change requests) as snapshots.take makes them. Rows are inserted
directly (not through the services) for speed, with the historical timestamps of each step.

Where each part lives: people.py (one person: names, service, categories, honours, family),
plan.py (who lives and acts where; the load cut into parts), history.py (review steps and open
change requests), files.py (a part as recipient rows: identity numbers, sections), load.py
(writing the rows; the demo and province loads).
"""

from .files import generate_part
from .history import CREATE
from .load import (
    DEMO_CITY,
    DEMO_COUNT,
    DEMO_COUNTIES,
    PART_SIZE,
    load_demo,
    load_scale,
    recipients_exist,
    refresh_counts,
)
from .plan import RETIRED_CODES, build_parts

__all__ = [
    "CREATE",
    "DEMO_CITY",
    "DEMO_COUNT",
    "DEMO_COUNTIES",
    "PART_SIZE",
    "RETIRED_CODES",
    "build_parts",
    "generate_part",
    "load_demo",
    "load_scale",
    "recipients_exist",
    "refresh_counts",
]
