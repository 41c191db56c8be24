"""Answers under /api/ are JSON, a path that names no endpoint too (never an HTML page)."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

NO_SUCH_ENDPOINT = "没有这个接口，请核对地址（接口说明见 /api/v1/docs/）。"


@csrf_exempt  # it changes nothing; a POST to a wrong path is answered 404, not a CSRF page
def api_not_found(request, *args, **kwargs):
    return JsonResponse(
        {"detail": NO_SUCH_ENDPOINT}, status=404, json_dumps_params={"ensure_ascii": False}
    )
