"""GET /healthz: database and task-queue health as JSON, 503 when either is down."""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # report, never raise: this is the health endpoint
        return {"ok": False, "error": exc.__class__.__name__}
    return {
        "ok": True,
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "vendor": connection.vendor,
    }


def _check_tasks() -> dict:
    backend = settings.TASKS["default"]["BACKEND"]
    try:
        if backend.startswith("django_tasks_rq"):
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            return {"ok": True, "backend": "rq"}
        if backend.startswith("django_tasks_db"):
            from django_tasks_db.models import DBTaskResult

            waiting = DBTaskResult.objects.filter(status="READY").count()
            return {"ok": True, "backend": "database", "waiting": waiting}
        return {"ok": True, "backend": backend.rsplit(".", 1)[-1]}
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _check_database(), "tasks": _check_tasks()}
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ok" if ok else "fail", **checks}, status=200 if ok else 503)
