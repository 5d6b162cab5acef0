"""import-linter contract types of Foundry's own (``[tool.importlinter]`` in pyproject.toml).

``public_api``: between the apps of a container, an app is imported only through its public
modules (``api``). Its ``fk_modules`` (``models``) may be imported only by the module of the same
name in another app (a model that needs another app's model class, e.g. a foreign key or a base
that a string cannot name). ``open_apps`` (``core``: generic infrastructure) may be imported
anywhere. An app's own modules import each other freely; modules outside the container (tests,
config) are not checked.
"""

from __future__ import annotations

from typing import cast

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils


def _split(module: str, container: str) -> tuple[str | None, list[str]]:
    """("orders", ["services", "checkout"]) for apps.orders.services.checkout in container apps;
    (None, []) outside the container or for the container itself."""
    if not module.startswith(container + "."):
        return None, []
    parts = module[len(container) + 1 :].split(".")
    return parts[0], parts[1:]


class PublicApiContract(Contract):
    type_name = "public_api"

    containers = fields.ListField(subfield=fields.StringField())
    public_modules = fields.ListField(subfield=fields.StringField())
    fk_modules = fields.ListField(subfield=fields.StringField(), required=False)
    open_apps = fields.ListField(subfield=fields.StringField(), required=False)
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        public: set[str] = set(cast("list[str]", self.public_modules))
        fk: set[str] = set(cast("list[str]", self.fk_modules or []))
        open_apps: set[str] = set(cast("list[str]", self.open_apps or []))
        violations = []
        for container in self.containers:  # type: ignore[attr-defined]
            for importer in sorted(graph.modules):
                importer_app, importer_rest = _split(importer, container)
                if importer_app is None:
                    continue
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    imported_app, rest = _split(imported, container)
                    if imported_app in (None, importer_app) or imported_app in open_apps:
                        continue
                    if not rest or rest[0] in public:
                        continue
                    if rest[0] in fk and importer_rest[:1] == rest[:1]:
                        continue
                    lines = sorted(
                        detail["line_number"]
                        for detail in graph.get_import_details(importer=importer, imported=imported)
                    )
                    violations.append({"importer": importer, "imported": imported, "lines": lines})
        return ContractCheck(
            kept=not violations,
            warnings=list(removal.warnings),
            metadata={"violations": violations},
            ignored_import_count=removal.ignored_import_count,
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        public = " or ".join(cast("list[str]", self.public_modules))
        for violation in check.metadata["violations"]:
            lines = ", ".join(f"l.{line}" for line in violation["lines"])
            output.print_error(f"- {violation['importer']} -> {violation['imported']} ({lines})", bold=False)
        output.new_line()
        output.print(f"Import another app through its {public} module (re-export what it lacks there).")
