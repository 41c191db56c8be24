"""Whole-file snapshots: what a change request proposes, how it differs, how it is applied.

A snapshot is JSON-safe and holds no plain identity or phone number (the phone travels
encrypted with its masked form beside it)."""

from .models import CategoryMembership, FamilyMember, Honour, Recipient
from .sections import SECTIONS

CATEGORY_FIELDS = ("category", "start_date", "end_date", "disability_grade", "disability_cause")
HONOUR_FIELDS = ("kind", "title", "awarded_on")
FAMILY_FIELDS = ("name", "relationship", "birth_year", "note")


def _json(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def section_values(recipient: Recipient, section) -> dict:
    data = {}
    stored = recipient.sections.get(section.key, {})
    for name in section.form.base_fields:
        if name == "phone":
            data["phone"] = {"enc": recipient.phone_enc, "masked": recipient.phone_masked}
        elif name in section.columns:
            data[name] = _json(getattr(recipient, name))
        else:
            data[name] = stored.get(name)
    return data


def take(recipient: Recipient) -> dict:
    return {
        "sections": {s.key: section_values(recipient, s) for s in SECTIONS},
        "categories": [
            {f: _json(getattr(c, f)) for f in CATEGORY_FIELDS}
            for c in recipient.categories.order_by("category", "start_date", "id")
        ],
        "honours": [
            {f: _json(getattr(h, f)) for f in HONOUR_FIELDS} for h in recipient.honours.all()
        ],
        "family": [
            {f: _json(getattr(m, f)) for f in FAMILY_FIELDS} for m in recipient.family.all()
        ],
        "plan": recipient.plan,
    }


def apply(recipient: Recipient, snapshot: dict) -> list[str]:
    """Write a snapshot into the file's columns, JSON and lists; returns changed columns."""
    import datetime as dt

    changed: set[str] = set()
    details = dict(recipient.sections)
    for section in SECTIONS:
        values = snapshot["sections"].get(section.key, {})
        stored = {}
        for name, value in values.items():
            if name == "phone":
                if recipient.phone_enc != (value or {}).get("enc", ""):
                    recipient.phone_enc = value.get("enc", "")
                    recipient.phone_masked = value.get("masked", "")
                    recipient.phone_index = value.get("index", recipient.phone_index)
                    changed |= {"phone_enc", "phone_masked", "phone_index"}
            elif name in section.columns:
                field = Recipient._meta.get_field(name)
                if field.get_internal_type() == "DateField" and value:
                    value = dt.date.fromisoformat(value)
                if value is None and not field.null:
                    value = field.get_default()
                if getattr(recipient, name) != value:
                    setattr(recipient, name, value)
                    changed.add(name)
            else:
                stored[name] = value
        details[section.key] = stored
    if details != recipient.sections:
        recipient.sections = details
        changed.add("sections")
    if snapshot.get("plan", recipient.plan) != recipient.plan:
        recipient.plan = snapshot["plan"]
        changed.add("plan")
    _replace(
        recipient,
        CategoryMembership,
        "categories",
        snapshot["categories"],
        CATEGORY_FIELDS,
        extra={"region_key": recipient.region_key},
    )
    _replace(recipient, Honour, "honours", snapshot["honours"], HONOUR_FIELDS)
    _replace(recipient, FamilyMember, "family", snapshot["family"], FAMILY_FIELDS)
    return sorted(changed)


def _replace(recipient, model, related, rows, fields, extra=None):
    import datetime as dt

    current = [{f: _json(getattr(o, f)) for f in fields} for o in getattr(recipient, related).all()]
    if related == "categories":
        current = sorted(current, key=lambda r: (r["category"], r["start_date"] or ""))
        rows = sorted(rows, key=lambda r: (r["category"], r["start_date"] or ""))
    if current == rows:
        return
    getattr(recipient, related).all().delete()
    objects = []
    for row in rows:
        values = {}
        for f in fields:
            value = row.get(f)
            if model._meta.get_field(f).get_internal_type() == "DateField" and value:
                value = dt.date.fromisoformat(value)
            if value is None and not model._meta.get_field(f).null:
                value = model._meta.get_field(f).get_default()
            values[f] = value
        objects.append(model(recipient=recipient, **values, **(extra or {})))
    model.objects.bulk_create(objects)


def diff(before: dict, after: dict) -> list[tuple[str, str, str, str]]:
    """(section label, field label, old, new) for every difference, for the reviewer."""
    from .choices import Category, MeritKind, Relationship
    from .sections import field_label

    rows = []
    for section in SECTIONS:
        old = before["sections"].get(section.key, {})
        new = after["sections"].get(section.key, {})
        for name in section.form.base_fields:
            a, b = old.get(name), new.get(name)
            if name == "phone":
                a, b = (a or {}).get("masked", ""), (b or {}).get("masked", "")
            if (a or "") != (b or ""):
                choices = dict(getattr(section.form.base_fields[name], "choices", []) or [])
                rows.append(
                    (
                        section.label,
                        field_label(section, name),
                        _show(a, choices),
                        _show(b, choices),
                    )
                )
    labels = {
        "categories": (
            "类别",
            lambda r: (
                f"{Category(r['category']).label}"
                + (
                    f"（{r['disability_grade']}级{r.get('disability_cause') or ''}）"
                    if r.get("disability_grade")
                    else ""
                )
            ),
        ),
        "honours": (
            "立功受奖",
            lambda r: " ".join(
                x for x in (MeritKind(r["kind"]).label, r.get("title"), r.get("awarded_on")) if x
            ),
        ),
        "family": ("家庭成员", lambda r: f"{r['name']}（{Relationship(r['relationship']).label}）"),
    }
    for key, (label, show) in labels.items():
        a = sorted(show(r) for r in before.get(key, []))
        b = sorted(show(r) for r in after.get(key, []))
        if a != b:
            rows.append((label, label, "；".join(a) or "（无）", "；".join(b) or "（无）"))
    if (before.get("plan") or "") != (after.get("plan") or ""):
        rows.append(("一人一策", "一人一策", before.get("plan") or "", after.get("plan") or ""))
    return rows


def _show(value, choices=None) -> str:
    if value in (None, ""):
        return ""
    if choices and value in choices:
        return str(choices[value])
    if value is True:
        return "是"
    if value is False:
        return "否"
    return "" if value is None else str(value)
