"""Visits on a phone without a connection (issue 13 "Recording a visit, on a phone"): the
service worker (served from here so that its scope is /visits/) and the page listing what
the phone holds — visits recorded but not yet sent, and the visit forms saved for offline
use. The records themselves live in the phone's IndexedDB (static visits/offline.js); they
reach the server only through /api/v1/visits/, once each, by their idempotency key."""

import hashlib
from functools import lru_cache

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static

from junjia.orgs.api import has_capability

from . import errors, roles

# Static files a visit form needs, cached when the worker installs (cache first).
OFFLINE_ASSETS = (
    "junjia/app.css",
    "junjia/app.js",
    "junjia/favicon.svg",
    "vendor/htmx/htmx.min.js",
    "vendor/idb-keyval/umd.js",
    "vendor/signature_pad/signature_pad.umd.min.js",
    "visits/offline.js",
    "visits/offline.css",
)


@lru_cache(maxsize=1)
def _assets_version() -> str:
    """Changes whenever one of the cached files does, so the new worker drops the old cache."""
    digest = hashlib.sha256()
    for name in OFFLINE_ASSETS:
        path = finders.find(name)
        if path:
            with open(path, "rb") as fh:
                digest.update(fh.read())
        digest.update(static(name).encode())
    return digest.hexdigest()[:16]


def service_worker(request):
    """The service worker script. Public: it holds no data, only the static files' addresses
    and which page addresses it keeps (the pages themselves come with the user's session)."""
    body = render_to_string(
        "visits/sw.js",
        {
            "version": _assets_version(),
            "assets": [static(name) for name in OFFLINE_ASSETS],
            "static_prefix": static(""),
        },
    )
    response = HttpResponse(body, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def offline(request):
    """What the phone holds: drawn by the page's script from the phone's own storage; the
    server sends no personal data here."""
    if not has_capability(request.user, roles.RECORD):
        raise PermissionDenied(errors.NOT_VISIT_RECORDER)
    return render(request, "visits/offline.html")
