"""{% due date %}: a deadline date, marked as an estimate when it lies in a provisional year."""

from django import template
from django.template.defaultfilters import date as format_date
from django.utils.html import format_html

from junjia.core.workdays import PROVISIONAL_NOTE, WorkingDayCalendar

register = template.Library()


def _calendar(context) -> WorkingDayCalendar:
    # One calendar per request (or rendering): one query for the official years, however
    # many dates a page shows.
    holder = context.get("request") or context.render_context
    calendar = getattr(holder, "junjia_calendar", None)
    if calendar is None:
        calendar = WorkingDayCalendar()
        holder.junjia_calendar = calendar
    return calendar


@register.simple_tag(takes_context=True)
def due(context, value, fmt="Y-m-d"):
    if not value:
        return ""
    text = format_date(value, fmt)
    if not _calendar(context).is_estimate(value):
        return text
    return format_html(
        '{}<span class="estimate" title="{}年节假日安排尚未公布，公布录入后自动重算">（{}）</span>',
        text,
        value.year,
        PROVISIONAL_NOTE,
    )
