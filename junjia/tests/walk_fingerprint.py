"""A fingerprint of the database and the stored files for the permission walk: a refused write
must leave it equal."""

import hashlib

from django.apps import apps

# Tables a refused request may legitimately write, or that the walk itself writes; each is
# left out of the fingerprint for the reason given.
EXCLUDED = {
    # A refused access may be recorded as a security event; the audit chain is append-only
    # and is tested on its own (junjia/core/tests).
    "core.AuditEntry": "refusals may be audited",
    "core.AuditSeal": "seals the audit chain, written with audit entries",
    # The request machinery: the session store saves on every request that touches it.
    "sessions.Session": "the session store saves per request",
    # django-axes logs the test client's log-ins and log-outs. Its failed attempts (the
    # lock-outs a security administrator releases) are compared: the walk fails no log-in.
    "axes.AccessAttemptExpiration": "django-axes request bookkeeping",
    "axes.AccessFailureLog": "django-axes request bookkeeping",
    "axes.AccessLog": "django-axes request bookkeeping",
}
# Columns a refused request may legitimately write: a token's use is noted even when the
# request it carried is then refused.
EXCLUDED_COLUMNS = {"orgs.ApiToken": {"last_used_at"}}
# Not a model, so never read: the database cache table (junjia_cache), where the public
# pages' rate limits count. Everything else of every installed app is compared — the
# junjia apps, staff accounts and their sessions list (orgs.UserSession), second-factor
# devices, queued tasks (django_tasks_db) — since a refused write must queue nothing either.
# The stored files (uploads, photos, exports) are compared too, as FILES: name and size.
FILES = "(stored files)"
# Above this many rows only the count, max(updated_at) and the primary keys are compared;
# below it every column of every row.
SMALL_TABLE = 2000


def _models():
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.proxy or not model._meta.managed or label in EXCLUDED:
            continue
        yield label, model


def fingerprint() -> dict[str, tuple]:
    """Per model: row count, max(updated_at) where the model has one, and a hash of its
    rows (every column for small tables, primary keys only for larger ones)."""
    from django.db.models import Count, Max

    prints: dict[str, tuple] = {}
    for label, model in _models():
        manager = model._base_manager
        skipped = EXCLUDED_COLUMNS.get(label, set())
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in skipped]
        rows = list(manager.order_by("pk").values_list(*names)[: SMALL_TABLE + 1])
        if len(rows) <= SMALL_TABLE:
            count = len(rows)
            updated = None
            if "updated_at" in names:
                at = names.index("updated_at")
                updated = max((row[at] for row in rows), default=None)
        else:  # one more query each for the count, the latest change and the keys
            aggregates = {"n": Count("pk")}
            if "updated_at" in names:
                aggregates["updated"] = Max("updated_at")
            summary = manager.aggregate(**aggregates)
            count, updated = summary["n"], summary.get("updated")
            rows = list(manager.order_by("pk").values_list("pk", flat=True))
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        prints[label] = (count, updated, digest)
    files = sorted(_stored_files(""))
    prints[FILES] = (len(files), None, hashlib.sha256(repr(files).encode()).hexdigest())
    return prints


def _stored_files(folder: str):
    from django.core.files.storage import default_storage

    folders, names = default_storage.listdir(folder)
    for name in names:
        path = f"{folder}{name}"
        yield path, default_storage.size(path)
    for sub in folders:
        yield from _stored_files(f"{folder}{sub}/")


def changes(before: dict[str, tuple], after: dict[str, tuple]) -> dict[str, tuple]:
    """The models whose fingerprint differs: {label: (before, after)}."""
    return {
        label: (before.get(label), after.get(label))
        for label in sorted(set(before) | set(after))
        if before.get(label) != after.get(label)
    }
