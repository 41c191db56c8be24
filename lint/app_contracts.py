"""An import-linter contract that binds every app under the root package, found not listed."""

from __future__ import annotations

from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils


class AppBoundariesContract(Contract):
    """Apps are the direct subpackages of the root package (less `not_apps`). A module of one
    app may import from another only its public modules (`api`, `choices`); any app may import
    the shared app, and the shared app imports no other app. Modules under an app's
    `exempt` subpackages (tests, migrations) and modules outside every app (urls, settings,
    wsgi, project tests) are not checked as importers. Direct imports are checked, so an
    indirect path passes only through public modules.

    Options:
        shared:          the app every app may use, which may use none (core).
        public_modules:  the submodules other apps may import (api, choices).
        not_apps:        direct subpackages of the root that are not apps (settings, tests…).
        exempt:          subpackages of an app whose modules are not checked as importers.
        ignore_imports:  import expressions allowed although they break the rules.
    """

    type_name = "apps"

    shared = fields.StringField()
    public_modules = fields.ListField(subfield=fields.StringField())
    not_apps = fields.ListField(subfield=fields.StringField(), required=False, default=[])
    exempt = fields.ListField(subfield=fields.StringField(), required=False, default=[])
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)

    def check(self, graph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,
            unmatched_alerting=contract_utils.AlertLevel.ERROR,
        )
        (root,) = self.session_options["root_packages"]
        apps = self.apps(graph, root)
        output.verbose_print(verbose, f"Apps under {root}: {', '.join(sorted(apps))}")
        broken = []
        for importer in sorted(graph.modules):
            source = self._app_of(importer, root, apps)
            if source is None or self._exempt(importer, root):
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                target = self._app_of(imported, root, apps)
                if target is None or target == source or not self._forbidden(source, imported):
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                broken.append(
                    {
                        "importer": importer,
                        "imported": imported,
                        "line_numbers": tuple(d["line_number"] for d in details),
                        "rule": self._rule(source),
                    }
                )
        return ContractCheck(
            kept=not broken,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"apps": sorted(apps), "broken": broken},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["broken"]:
            lines = ", ".join(f"l.{n}" for n in item["line_numbers"] if n is not None) or "l.?"
            output.print_error(
                f"-   {item['importer']} -> {item['imported']} ({lines}): {item['rule']}",
                bold=False,
            )
        output.new_line()

    def apps(self, graph, root: str) -> set[str]:
        """Names of the apps: direct subpackages of the root (modules with children)."""
        return {
            child.rsplit(".", 1)[1]
            for child in graph.find_children(root)
            if graph.find_children(child) and child.rsplit(".", 1)[1] not in self.not_apps
        }

    @staticmethod
    def _app_of(module: str, root: str, apps: set[str]) -> str | None:
        parts = module.split(".")
        if len(parts) < 2 or parts[0] != root or parts[1] not in apps:
            return None
        return parts[1]

    def _exempt(self, module: str, root: str) -> bool:
        parts = module.split(".")
        return len(parts) > 2 and parts[2] in self.exempt

    def _forbidden(self, source: str, imported: str) -> bool:
        parts = imported.split(".")
        if source == self.shared:
            return True
        if parts[1] == self.shared:
            return False
        return len(parts) < 3 or parts[2] not in self.public_modules

    def _rule(self, source: str) -> str:
        if source == self.shared:
            return f"{self.shared} imports no app"
        return "apps meet at " + ", ".join(self.public_modules)
