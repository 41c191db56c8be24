"""Page helpers: pagination without a full COUNT, htmx-aware rendering, and a service's
refusal shown on its form."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from .errors import DomainError, NotPermitted


def show_refusal(form, exc: DomainError) -> None:
    """A service's refusal on the form: not permitted is a 403 (the site's 403 page says
    why); any other under the field it names, or above the form."""
    if isinstance(exc, NotPermitted):
        raise PermissionDenied(str(exc)) from exc
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, str(exc))


def paginate(request, queryset, per_page: int = 50, count: int | None = None):
    """A page of results, for the bounded lists it is used on (exact counts are fine there).

    Deferred join: the offset walks primary keys only, then the page's rows are fetched with
    the queryset's joins, so deep pages do not join every skipped row. A caller that has
    counted the rows already passes `count`, which saves the COUNT query."""
    paginator = Paginator(queryset.values_list("pk", flat=True), per_page)
    if count is not None:
        paginator.count = count  # a cached_property: the value given is used as it is
    page = paginator.get_page(request.GET.get("page"))
    ids = list(page.object_list)
    rows = queryset.order_by().in_bulk(ids) if ids else {}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def render_page(request, template: str, context: dict, partial: str | None = None, status=200):
    """Render the whole page, or only the named partial for an htmx request."""
    if partial and getattr(request, "htmx", False):
        return render(request, f"{template}#{partial}", context, status=status)
    return render(request, template, context, status=status)


def query_without_page(request, *also: str) -> str:
    """The list's query for its page links: without `page` (and the `also` keys, such as
    `export`)."""
    params = request.GET.copy()
    for key in ("page", *also):
        params.pop(key, None)
    return params.urlencode()
