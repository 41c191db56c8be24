"""System check: every capability that code or a template names has been declared."""

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register
from django.template.base import Lexer, TokenType

from .roles import declared_capabilities

# A capability stands in the parameter, keyword, attribute or variable named `capability`:
# every function defined with such a parameter (the jurisdiction kernel and each app's helpers
# alike) is found by name. The two dataclasses of core take it by position as well.
HOLDER = "capability"
POSITION = {"Transition": 1, "NavItem": 3}  # core.workflow, core.navigation
KEYWORD = {"Transition": "permission"}

SKIP_DIRS = {"tests", "migrations", "__pycache__"}
TEMPLATE_SUFFIXES = {".html", ".txt"}
# In a template, a quoted "<area>.<verb>" inside {% %} or {{ }} is a capability test
# ({% if "cases.handle" in caps %}); file names and formats are not.
QUOTED = re.compile(r"""(["'])([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)\1""")
FILE_EXTENSIONS = {"html", "txt", "css", "js", "json", "xml", "csv", "xlsx", "pdf", "png", "svg"}

UNKNOWN = "权限“{name}”未声明（各应用在 roles.py 中用 declare_capability 声明）。"
E_UNKNOWN = "junjia.E002"


@dataclass(frozen=True)
class Use:
    name: str
    path: Path
    line: int


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _callee(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _named(node: ast.AST) -> bool:
    target = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
    return isinstance(target, str) and target.lower() == HOLDER


def capability_parameters(tree: ast.AST) -> dict[str, int]:
    """{function name: position of its `capability` parameter in a call}."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for method in node.body:
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                    method.is_method = True  # the call passes `self` implicitly
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names = [a.arg for a in node.args.posonlyargs + node.args.args]
            if HOLDER in names:
                found[node.name] = names.index(HOLDER) - getattr(node, "is_method", False)
    return found


def _slots(call: ast.Call, positions: dict[str, int]) -> Iterator[ast.AST]:
    """The arguments of `call` that stand where a capability goes."""
    callee = _callee(call)
    position = POSITION.get(callee, positions.get(callee))
    if position is not None and 0 <= position < len(call.args):
        yield call.args[position]
    for keyword in call.keywords:
        if keyword.arg in (HOLDER, KEYWORD.get(callee)):
            yield keyword.value


def _looped(node: ast.AST, positions: dict[str, int]) -> Iterator[ast.AST]:
    """`for cap in ("a.b", "c.d"): has_capability(actor, cap)`, or the same as a comprehension."""
    if isinstance(node, ast.For):
        loops, scope = [(node.target, node.iter)], node.body
    elif isinstance(node, ast.GeneratorExp | ast.ListComp | ast.SetComp):
        loops, scope = [(g.target, g.iter) for g in node.generators], [node.elt]
    else:
        return
    for target, iterable in loops:
        if not isinstance(target, ast.Name) or not isinstance(iterable, ast.Tuple | ast.List):
            continue
        calls = [n for part in scope for n in ast.walk(part) if isinstance(n, ast.Call)]
        slots = [slot for call in calls for slot in _slots(call, positions)]
        if any(isinstance(slot, ast.Name) and slot.id == target.id for slot in slots):
            yield from iterable.elts


def _python_literals(tree: ast.AST, positions: dict[str, int]) -> Iterator[ast.AST]:
    """The expressions that stand where a capability goes."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield from _slots(node, positions)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(map(_named, targets)):
                yield node.value
        elif isinstance(node, ast.arguments):
            positional = node.posonlyargs + node.args
            with_defaults = positional[len(positional) - len(node.defaults) :]
            defaults = zip(with_defaults, node.defaults, strict=True)
            for arg, default in [*defaults, *zip(node.kwonlyargs, node.kw_defaults, strict=True)]:
                if arg.arg == HOLDER:
                    yield default
        elif isinstance(node, ast.Compare) and _named(node.left):
            yield from node.comparators
        yield from _looped(node, positions)


def python_uses(path: Path, tree: ast.AST, positions: dict[str, int]) -> list[Use]:
    return [
        Use(value, path, node.lineno)
        for node in _python_literals(tree, positions)
        if (value := _literal(node)) is not None
    ]


def _parse(path: Path, text: str) -> ast.AST | None:
    try:
        return ast.parse(text, filename=str(path))
    except SyntaxError:
        return None  # not importable anyway; the import and the linter say why


def template_uses(path: Path) -> list[Use]:
    uses = []
    for token in Lexer(path.read_text(encoding="utf-8")).tokenize():
        if token.token_type not in (TokenType.BLOCK, TokenType.VAR):
            continue
        for match in QUOTED.finditer(token.contents):
            name = match.group(2)
            if name.rsplit(".", 1)[1] not in FILE_EXTENSIONS:
                uses.append(Use(name, path, token.lineno))
    return uses


def capability_uses(root: Path) -> list[Use]:
    """Every capability named in the Python sources and templates under `root` (tests and
    migrations aside: tests invent names on purpose)."""
    uses: list[Use] = []
    defining: list[ast.AST] = []  # files that may define a `capability` parameter
    naming: dict[Path, ast.AST] = {}  # files with a quoted "<area>.<verb>" somewhere
    for path in sorted(root.rglob("*")):
        if SKIP_DIRS.intersection(path.relative_to(root).parts) or not path.is_file():
            continue
        if path.suffix in TEMPLATE_SUFFIXES and "templates" in path.parts:
            uses += template_uses(path)
        elif path.suffix == ".py":
            text = path.read_text(encoding="utf-8")
            # A cheap look first: parsing is most of the check's cost.
            defines, names = HOLDER in text, QUOTED.search(text) is not None
            if not (defines or names) or (tree := _parse(path, text)) is None:
                continue
            if defines:
                defining.append(tree)
            if names:
                naming[path] = tree
    positions: dict[str, int] = {}
    for tree in defining:
        positions.update(capability_parameters(tree))
    for path, tree in naming.items():
        uses += python_uses(path, tree, positions)
    return sorted(uses, key=lambda use: (use.path, use.line))


def unknown_capabilities(root: Path, known: frozenset[str]) -> list[Error]:
    base = root.parent
    return [
        Error(
            UNKNOWN.format(name=use.name),
            obj=f"{use.path.relative_to(base)}:{use.line}",
            id=E_UNKNOWN,
        )
        for use in capability_uses(root)
        if use.name not in known
    ]


@register("junjia")
def capabilities_declared(app_configs, **kwargs):
    return unknown_capabilities(Path(settings.BASE_DIR) / "junjia", declared_capabilities())
