"""App boundaries: every app's api.py offers no model class, and the import contract that
binds every app (lint/app_contracts.py) reports each import across a boundary."""

import importlib
import importlib.util
import pkgutil

import grimp
import pytest
from django.db import models

import junjia
from lint.app_contracts import AppBoundariesContract

NOT_APPS = {"settings", "templates", "static", "tests"}


def apps_with_api() -> list[str]:
    """Direct subpackages of junjia that have an api module (found, not listed)."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules(junjia.__path__)
        if info.ispkg
        and info.name not in NOT_APPS
        and importlib.util.find_spec(f"junjia.{info.name}.api") is not None
    )


def test_apps_with_an_api_are_found():
    assert {"cases", "orgs", "registry"} <= set(apps_with_api())


@pytest.mark.parametrize("app", apps_with_api())
def test_api_exports_no_model_class(app):
    api = importlib.import_module(f"junjia.{app}.api")
    exported = [
        name
        for name, value in vars(api).items()
        if not name.startswith("_") and isinstance(value, type) and issubclass(value, models.Model)
    ]
    assert exported == [], f"junjia.{app}.api offers model classes {exported}: offer functions"


# --- the contract, on a small graph --------------------------------------------------------

OPTIONS = {
    "shared": "core",
    "public_modules": ["api", "choices"],
    "not_apps": ["settings", "templates", "static", "tests"],
    "exempt": ["tests", "migrations"],
    "ignore_imports": ["junjia.core.views -> junjia.orgs.api"],
}


def graph_with(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for module in (
        "junjia",
        "junjia.urls",
        "junjia.settings",
        "junjia.settings.base",
        "junjia.core",
        "junjia.core.audit",
        "junjia.core.views",
        "junjia.orgs",
        "junjia.orgs.api",
        "junjia.orgs.choices",
        "junjia.orgs.models",
        "junjia.newapp",
        "junjia.newapp.views",
        "junjia.newapp.tests",
        "junjia.newapp.tests.test_views",
        "junjia.newapp.migrations",
        "junjia.newapp.migrations.0001_initial",
    ):
        graph.add_module(module)
    ignored = ("junjia.core.views", "junjia.orgs.api")
    for line, (importer, imported) in enumerate([ignored, *imports], start=9):
        graph.add_import(
            importer=importer,
            imported=imported,
            line_number=line,
            line_contents=f"from {imported.rsplit('.', 1)[0]} import {imported.rsplit('.', 1)[1]}",
        )
    return graph


def check(graph):
    contract = AppBoundariesContract(
        name="apps", session_options={"root_packages": ["junjia"]}, contract_options=OPTIONS
    )
    return contract.check(graph, verbose=False)


def test_apps_are_the_direct_subpackages_of_the_root():
    result = check(graph_with())
    assert result.kept
    assert result.metadata["apps"] == ["core", "newapp", "orgs"]


def test_a_new_app_may_use_another_app_through_api_and_choices_and_core_freely():
    result = check(
        graph_with(
            ("junjia.newapp.views", "junjia.orgs.api"),
            ("junjia.newapp.views", "junjia.orgs.choices"),
            ("junjia.newapp.views", "junjia.core.audit"),
        )
    )
    assert result.kept


def test_a_new_app_reaching_into_another_apps_models_is_reported_with_its_line():
    result = check(graph_with(("junjia.newapp.views", "junjia.orgs.models")))
    assert not result.kept
    assert result.metadata["broken"] == [
        {
            "importer": "junjia.newapp.views",
            "imported": "junjia.orgs.models",
            "line_numbers": (10,),
            "rule": "apps meet at api, choices",
        }
    ]


def test_core_imports_no_app_except_the_ignored_import():
    result = check(graph_with(("junjia.core.audit", "junjia.orgs.api")))
    assert [(b["importer"], b["imported"], b["rule"]) for b in result.metadata["broken"]] == [
        ("junjia.core.audit", "junjia.orgs.api", "core imports no app")
    ]
    assert result.ignored_import_count == 1


def test_tests_migrations_and_project_modules_are_not_checked_as_importers():
    result = check(
        graph_with(
            ("junjia.newapp.tests.test_views", "junjia.orgs.models"),
            ("junjia.newapp.migrations.0001_initial", "junjia.orgs.models"),
            ("junjia.urls", "junjia.orgs.models"),
            ("junjia.settings.base", "junjia.orgs.models"),
        )
    )
    assert result.kept
