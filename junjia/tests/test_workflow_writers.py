"""The workflow kernel is the only code that changes a workflow's status: no other module
assigns, updates or bulk-updates a status field of any workflow declared in an app's
workflow.py (rows are still created in their first status)."""

import ast
import importlib
import pkgutil
from pathlib import Path

import junjia
from junjia.core.workflow import Workflow

ROOT = Path(junjia.__file__).parent
KERNEL = ROOT / "core" / "workflow.py"
EXEMPT = {
    ROOT / "core" / "errors.py",  # not a model: the WrongState refusal names the status
    # Background jobs are the task runner's own state (queued → running → done), claimed by
    # conditional updates so that two workers never run one job; not a domain workflow.
    ROOT / "core" / "jobs.py",
}


def workflows() -> list[Workflow]:
    found = []
    for app in pkgutil.iter_modules([str(ROOT)]):
        if not (ROOT / app.name / "workflow.py").exists():
            continue
        module = importlib.import_module(f"junjia.{app.name}.workflow")
        found += [v for v in vars(module).values() if isinstance(v, Workflow)]
    return found


def status_fields() -> set[str]:
    return {flow.status_field for flow in workflows()}


def sources():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts or path == KERNEL or path in EXEMPT:
            continue
        yield path


def writes(tree: ast.AST, fields: set[str]):
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for t in ast.walk(target):
                if isinstance(t, ast.Attribute) and t.attr in fields:
                    yield node.lineno, f"assigns .{t.attr}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name == "update" and any(k.arg in fields for k in node.keywords):
                yield node.lineno, "update(status=…)"
            if name == "setattr" and len(node.args) > 1:
                arg = node.args[1]
                if isinstance(arg, ast.Constant) and arg.value in fields:
                    yield node.lineno, f"setattr(…, {arg.value!r})"
            if name == "bulk_update":
                for arg in [*node.args[1:], *(k.value for k in node.keywords)]:
                    for c in ast.walk(arg):
                        if isinstance(c, ast.Constant) and c.value in fields:
                            yield node.lineno, f"bulk_update(…, {c.value!r})"


def test_every_app_declares_its_workflows():
    names = {flow.name for flow in workflows()}
    assert {
        "case",
        "case_extension",
        "case_callback",
        "rectification_loop",
        "appointment",
        "recipient_file",
        "recipient_change",
        "recipient_transfer",
    } <= names


def test_only_the_kernel_writes_a_status():
    fields = status_fields()
    found = [
        f"{path.relative_to(ROOT.parent)}:{line}: {what}"
        for path in sources()
        for line, what in writes(ast.parse(path.read_text(encoding="utf-8")), fields)
    ]
    assert found == []


def test_the_check_finds_a_write():
    code = (
        "x.status = 'done'\nQ.objects.filter(a=1).update(stage='closed')\nsetattr(x, 'status', 1)"
    )
    assert [what for _, what in writes(ast.parse(code), {"status", "stage"})] == [
        "assigns .status",
        "update(status=…)",
        "setattr(…, 'status')",
    ]
