"""Left navigation: apps register entries; each is shown only to users with its capability."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    group: str
    label: str
    url_name: str
    capability: str | None
    order: int = 100


_ITEMS: list[NavItem] = []


def register(*items: NavItem) -> None:
    for item in items:
        if item not in _ITEMS:
            _ITEMS.append(item)


def navigation_for(request, can, counts: dict[str, int] | None = None) -> list[dict]:
    """Entries grouped for the sidebar; `can(capability)` decides what this user sees;
    `counts` {url name: n} puts a count beside an entry (the to-do list on 工作台)."""
    groups: dict[str, list[dict]] = {}
    path = request.path
    for item in sorted(_ITEMS, key=lambda i: i.order):
        if item.capability and not can(item.capability):
            continue
        url = reverse(item.url_name)
        active = path == url or (url != "/" and path.startswith(url))
        groups.setdefault(item.group, []).append(
            {
                "label": item.label,
                "url": url,
                "active": active,
                "count": (counts or {}).get(item.url_name, 0),
            }
        )
    return [{"group": g, "items": entries} for g, entries in groups.items()]
