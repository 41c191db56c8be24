"""The start-up check that every capability named in code or a template is declared."""

import re
from pathlib import Path

import pytest
from django.core.checks import Error, run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from junjia.orgs.checks import capability_uses, unknown_capabilities
from junjia.orgs.choices import Role
from junjia.orgs.roles import (
    CAPABILITIES,
    declare_capability,
    declared_capabilities,
    register_capabilities,
)

KNOWN = frozenset({"cases.handle", "cases.view", "registry.review"})


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def unknown(name: str, obj: str) -> Error:
    return Error(
        f"权限“{name}”未声明（各应用在 roles.py 中用 declare_capability 声明）。",
        obj=obj,
        id="junjia.E002",
    )


@pytest.fixture
def root(tmp_path) -> Path:
    return tmp_path / "junjia"


def test_an_unknown_name_in_code_is_an_error_with_file_and_line(root):
    # given the kernel's functions, an app's helpers, and one typo wherever code names one
    write(
        root,
        "orgs/permissions.py",
        "def has_capability(actor, capability): ...\n"
        "def require_capability(actor, capability): ...\n"
        "def get_for_actor(queryset, actor, capability, **lookup): ...\n",
    )
    write(
        root,
        "app/helpers.py",
        "def pick(actor, capability, raw):\n"
        "    return raw\n"
        "class Page:\n"
        '    capability = "cases.handel"\n'
        "    def open(self, pk, capability):\n"
        "        return pk\n",
    )
    write(
        root,
        "app/views.py",
        "def view(actor, page):\n"
        '    require_capability(actor, "cases.view")\n'
        '    require_capability(actor, "case.view")\n'
        '    has_capability(actor, "cases.veiw")\n'
        '    get_for_actor(qs, actor, "registry.reveiw", pk=1)\n'
        '    pick(actor, "cases.hadle", None)\n'
        '    page.open(1, "cases.x")\n'
        '    get_station(actor, 1, capability="cases.y")\n'
        '    return any(has_capability(actor, c) for c in ("cases.view", "cases.z"))\n',
    )
    write(
        root,
        "app/workflow.py",
        'A = Transition("受理", "cases.handl")\nB = Transition("办结", permission="cases.h")\n'
        'NAV = NavItem("政务服务", "我的办件", "cases:work", "cases.wrok")\n'
        'def open_case(actor, *, capability="cases.viewed"):\n'
        '    return capability == "cases.compared"\n',
    )

    # when the check scans the tree
    errors = unknown_capabilities(root, KNOWN)

    # then each unknown name is reported where it stands, and the known ones are not
    assert errors == [
        unknown("cases.handel", "junjia/app/helpers.py:4"),
        unknown("case.view", "junjia/app/views.py:3"),
        unknown("cases.veiw", "junjia/app/views.py:4"),
        unknown("registry.reveiw", "junjia/app/views.py:5"),
        unknown("cases.hadle", "junjia/app/views.py:6"),
        unknown("cases.x", "junjia/app/views.py:7"),
        unknown("cases.y", "junjia/app/views.py:8"),
        unknown("cases.z", "junjia/app/views.py:9"),
        unknown("cases.handl", "junjia/app/workflow.py:1"),
        unknown("cases.h", "junjia/app/workflow.py:2"),
        unknown("cases.wrok", "junjia/app/workflow.py:3"),
        unknown("cases.viewed", "junjia/app/workflow.py:4"),
        unknown("cases.compared", "junjia/app/workflow.py:5"),
    ]


def test_an_unknown_name_in_a_template_is_an_error_with_file_and_line(root):
    # given a template that tests one known and one unknown capability
    write(
        root,
        "app/templates/app/page.html",
        '{% extends "base.html" %}\n'
        '{% if "registry.review" in caps %}<a href="#">审核</a>{% endif %}\n'
        '{% include "app/_part.html" %}{% static "app/site.css" %}\n'
        '<p>registry.reveiw</p>{% if "registry.reveiw" in caps %}x{% endif %}\n',
    )

    # when the check scans the tree
    errors = unknown_capabilities(root, KNOWN)

    # then the unknown one is reported; file names and plain text are not capabilities
    assert errors == [unknown("registry.reveiw", "junjia/app/templates/app/page.html:4")]


def test_tests_are_not_scanned(root):
    # tests invent capabilities on purpose (the workflow kernel's "x.handle")
    write(root, "app/tests/test_flow.py", 'T = Transition("恢复", "x.handle")\n')

    assert unknown_capabilities(root, KNOWN) == []


def test_the_real_tree_names_only_declared_capabilities():
    errors = [e for e in run_checks(tags=["junjia"]) if e.id == "junjia.E002"]

    assert errors == []


def test_manage_py_check_stops_on_a_name_nobody_declared(monkeypatch):
    # given the real tree, where core's calendar pages name calendar.manage (core imports no
    # app, so it names the capability by its string), but nobody declared it
    known = declared_capabilities() - {"calendar.manage"}
    monkeypatch.setattr("junjia.orgs.checks.declared_capabilities", lambda: known)

    # when manage.py check runs, then it stops and names the places
    with pytest.raises(SystemCheckError) as stopped:
        call_command("check")

    # (the line moves as the file changes; the file, id and message do not)
    place = r"junjia/core/workdays/urls\.py:\d+: \(junjia\.E002\) 权限“calendar\.manage”未声明"
    assert re.search(place, str(stopped.value))


def test_the_real_tree_is_read_where_capabilities_are_named():
    # given the project's sources: apps name their own capabilities by constant (roles.HANDLE),
    # so the scanner finds only the names written as strings — a capability of another app,
    # and core's (core imports no app) — and each of those is declared
    root = Path(__file__).resolve().parents[2]
    uses = {(use.path.relative_to(root).as_posix(), use.name) for use in capability_uses(root)}

    assert uses == {
        ("cases/services/case_flow.py", "registry.view"),
        ("core/workdays/urls.py", "calendar.manage"),
        ("core/workdays/views.py", "calendar.manage"),
    }
    assert {name for _, name in uses} <= declared_capabilities()


def test_a_role_cannot_be_given_an_undeclared_capability():
    before = CAPABILITIES[Role.CLERK]

    with pytest.raises(ImproperlyConfigured) as refused:
        register_capabilities(Role.CLERK, {"cases.nonexistent", "cases.view"})

    assert str(refused.value) == "权限未声明：cases.nonexistent"
    assert CAPABILITIES[Role.CLERK] == before


def test_a_capability_name_must_be_area_dot_verb():
    with pytest.raises(ImproperlyConfigured) as refused:
        declare_capability("cases-handle")

    assert str(refused.value) == "权限名称格式不对（应为“范围.动作”）：cases-handle"
    assert "cases-handle" not in declared_capabilities()
