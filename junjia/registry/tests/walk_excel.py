"""Permission-walk classification of the Excel pages (views/excel.py).

The import pages act only within the user's own jurisdiction and on their own signed upload;
the export page shows a count of the user's own scope. None of them lists village B."""

ROUTES = {
    # upload form and preview: the user's own file checked against their own jurisdiction
    "registry:import": ("list", None, False),
    # POST-only step (GET goes back to the upload page); acts on the user's own signed upload
    "registry:import_confirm": ("list", None, False),
    # the user's own upload's error report, reached only through their signed token
    "registry:import_report": ("self", None, False),
    # the empty template: no one's data
    "registry:import_template": ("self", None, False),
    # export of the search or a ledger (the ledger must be the user's own): a count, a job
    "registry:export": ("list", None, False),
}
