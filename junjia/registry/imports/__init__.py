"""Excel import of recipient files (一人一档, 000 §6.1): the template, row-by-row checks that
reuse the section forms and the services' rules, and a bulk write path.

Flow: upload → plan (every row checked, nothing written) → the user picks 全部不导入 or
只导入正确的行 → a job checks again and writes. Rows are keyed by 身份证号码 in every sheet:
a number without a file opens a draft; a draft or returned file is updated in place; an
approved file gets (or extends) a change request that goes through review; a file outside the
user's jurisdiction is an error row naming only the station that holds it. Re-importing the
same file changes nothing.

Speed: sheets are streamed (core.xlsx.StreamingWorkbook) in blocks that worker processes
parse, check and prepare (pinyin, encryption, blind indexes). The main process keeps the rows
in a temporary SQLite file — memory stays flat however long the file, and it joins the
sheets by identity number — then writes in one transaction: PostgreSQL COPY (bulk_create
elsewhere) for new files, the snapshot path of the services for existing ones, one audit row
per file, sealed after commit.

Where each rule lives:

- template.py — the sheets and columns (read off the section forms), the instructions, the
  downloadable template;
- rows.py — one cell, one row: reading each cell as its column expects, the section form's
  cleaning (with its short ways), identity number, gender and birth date, list rules;
- plan.py — the file: size and sheet checks, the worker pool, the temporary row store, what
  each person's rows do (new file, update, change request, duplicate, refused), and the run
  that then writes them;
- write.py — the writing: COPY text and bulk inserts of new files, the services' path for
  existing ones, audit rows;
- job.py — the background job: queueing the upload, running it with progress, the report.
"""

from .job import run_import, start_import
from .plan import (
    MAX_UPLOAD_BYTES,
    ImportRefused,
    ImportRun,
    Plan,
    plan_import,
    quick_check,
)
from .rows import check_row
from .template import INSTRUCTIONS, SHEET_BY_TITLE, SHEETS, template_bytes

__all__ = [
    "INSTRUCTIONS",
    "MAX_UPLOAD_BYTES",
    "SHEETS",
    "SHEET_BY_TITLE",
    "ImportRefused",
    "ImportRun",
    "Plan",
    "check_row",
    "plan_import",
    "quick_check",
    "run_import",
    "start_import",
    "template_bytes",
]
