"""REST building blocks shared by apps: page numbers, with a malformed or unreachable page
answered 400 naming the parameter (never a 404 that reads like a missing object)."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

BAD_PAGE = "页码应为 1 至 {last} 之间的整数。"
BAD_PAGE_SIZE = "每页条数应为 1 至 {most} 之间的整数。"


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        if raw and not (raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise ValidationError(
                {self.page_size_query_param: [BAD_PAGE_SIZE.format(most=self.max_page_size)]}
            )
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            size = self.get_page_size(request)
            last = max(1, self.django_paginator_class(queryset, size).num_pages)
            message = BAD_PAGE.format(last=last)
            raise ValidationError({self.page_query_param: [message]}) from exc
