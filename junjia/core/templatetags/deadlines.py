"""{% due date %}: a deadline date, marked as an estimate when it lies in a provisional year."""

from django import template
from django.template.defaultfilters import date as format_date
from django.utils.html import format_html

from junjia.core.workdays import PROVISIONAL_NOTE, WorkingDayCalendar, calendar_of

register = template.Library()


def _calendar(context) -> WorkingDayCalendar:
    # The request's calendar (the one its view counted with, if it did), else one per
    # rendering: one query for the official years, however many dates a page shows.
    return calendar_of(context.get("request") or context.render_context)


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
