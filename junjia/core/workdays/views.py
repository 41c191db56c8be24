"""Pages of the working-day calendar (工作日历), for holders of "calendar.manage"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from junjia.core import clock
from junjia.core.errors import DomainError
from junjia.core.models import CalendarSource
from junjia.orgs.api import require_capability

from . import selectors, services
from .calendar import missing_next_year_warning
from .forms import CalendarYearForm

CAPABILITY = "calendar.manage"


@login_required
def year_list(request):
    require_capability(request.user, CAPABILITY)
    today = clock.today()
    return render(
        request,
        "core/workdays/year_list.html",
        {
            "years": selectors.year_summaries(),
            "warning": missing_next_year_warning(today),
            "today": today,
        },
    )


@login_required
def year_detail(request, year: int):
    require_capability(request.user, CAPABILITY)
    calendar_year = selectors.get_year(year)
    months, days = selectors.year_months(calendar_year)
    return render(
        request,
        "core/workdays/year_detail.html",
        {
            "calendar_year": calendar_year,
            "months": months,
            "days": days,
            "week_header": selectors.WEEK_HEADER,
            "working_days": selectors.working_days_in(calendar_year),
            "can_edit": calendar_year.source == CalendarSource.ADMIN,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def year_create(request):
    require_capability(request.user, CAPABILITY)
    initial = {"year": clock.today().year + 1}
    return _year_form(request, CalendarYearForm(_data(request), initial=initial), None)


@login_required
@require_http_methods(["GET", "POST"])
def year_edit(request, year: int):
    require_capability(request.user, CAPABILITY)
    calendar_year = selectors.get_year(year)
    if calendar_year.source == CalendarSource.PACKAGE:
        messages.error(request, services.PACKAGE_YEAR_READ_ONLY.format(year=year))
        return redirect("workdays:year_detail", year=year)
    form = CalendarYearForm(
        _data(request),
        fixed_year=year,
        initial={"notice": calendar_year.notice, "schedule": services.schedule_text(calendar_year)},
    )
    return _year_form(request, form, calendar_year)


def _data(request):
    return request.POST if request.method == "POST" else None


def _year_form(request, form, calendar_year):
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.calendar_year_save(
                actor=request.user,
                year=form.cleaned_data["year"],
                notice=form.cleaned_data["notice"],
                schedule=form.cleaned_data["schedule"],
                replace=calendar_year is not None,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            year = saved.calendar_year.year
            verb = "已录入" if saved.created else "已更新"
            note = ""
            if saved.weekend_holidays:
                note = f"另有 {len(saved.weekend_holidays)} 个周末休息日本来就不上班，未单独保存。"
            if saved.moved:
                note += f"已按新安排重算 {len(saved.moved)} 个未到期的办理期限，并通知了经办人。"
            messages.success(
                request, f"{year} 年节假日安排{verb}：保存放假或调休 {saved.stored} 天。{note}"
            )
            return redirect("workdays:year_detail", year=year)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "core/workdays/year_form.html",
        {"form": form, "calendar_year": calendar_year},
        status=status,
    )
