"""Every public service, selector and ``api`` function takes keyword-only, annotated arguments
and says what it returns.

Checked modules: ``services.py``, ``selectors.py``, ``api.py``, ``*_selectors.py`` and every
module inside a ``services/`` package, in every app. A function is public when its name does
not start with an underscore; only module-level functions count (methods and nested functions
do not). ``*args`` and ``**kwargs`` are allowed only with an annotation.
"""

import ast
from pathlib import Path

APPS = Path(__file__).resolve().parents[2] / "apps"

# "app/path/to/module.py:function" -> why it keeps positional or unannotated arguments. A
# function belongs here only when a caller outside our code dictates its signature; callbacks
# (Celery tasks, signal receivers, DRF hooks) live outside the checked modules. Empty: every
# checked function follows the rule.
EXCEPTIONS: dict[str, str] = {}


def is_checked_module(path: Path) -> bool:
    parts = path.relative_to(APPS).parts
    if "migrations" in parts:
        return False
    return (
        path.stem in ("services", "selectors", "api")
        or "services" in parts[:-1]
        or path.stem.endswith("_selectors")
    )


def signature_problems(source: str) -> dict[str, list[str]]:
    """{function name: what is wrong} for the public module-level functions of ``source``."""
    found = {}
    for node in ast.parse(source).body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name.startswith("_"):
            continue
        args = node.args
        problems = []
        positional = [a.arg for a in args.posonlyargs + args.args]
        if positional:
            problems.append("positional: " + ", ".join(positional))
        variadic = [a for a in (args.vararg, args.kwarg) if a is not None]
        unannotated = [a.arg for a in args.kwonlyargs + variadic if a.annotation is None]
        if unannotated:
            problems.append("unannotated: " + ", ".join(unannotated))
        if node.returns is None:
            problems.append("no return annotation")
        if problems:
            found[node.name] = problems
    return found


def _violations() -> dict[str, list[str]]:
    violations = {}
    for path in sorted(APPS.rglob("*.py")):
        if not is_checked_module(path):
            continue
        relative = path.relative_to(APPS)
        for name, problems in signature_problems(path.read_text()).items():
            violations[f"{relative.as_posix()}:{name}"] = problems
    return violations


def test_public_services_and_selectors_take_keyword_only_annotated_arguments():
    violations = {key: problems for key, problems in _violations().items() if key not in EXCEPTIONS}
    assert not violations, "Make these keyword-only (*, name: type) and annotated:\n" + "\n".join(
        f"  apps/{key}: {'; '.join(problems)}" for key, problems in sorted(violations.items())
    )


def test_every_exception_is_still_needed():
    stale = sorted(set(EXCEPTIONS) - set(_violations()))
    assert not stale, f"These follow the rule now: remove them from EXCEPTIONS: {stale}"


def test_the_check_finds_positional_unannotated_and_unreturned_arguments():
    source = (
        "def fine(*, user: object, **extra: int) -> None: ...\n"
        "def _private(user): ...\n"
        "def positional(user: object) -> None: ...\n"
        "def bare(*, user) -> None: ...\n"
        "def loose(*, user: object, **extra) -> None: ...\n"
        "def silent(*, user: object): ...\n"
    )
    assert signature_problems(source) == {
        "positional": ["positional: user"],
        "bare": ["unannotated: user"],
        "loose": ["unannotated: extra"],
        "silent": ["no return annotation"],
    }


def test_the_check_reads_every_kind_of_service_module():
    checked = {p.relative_to(APPS).as_posix() for p in APPS.rglob("*.py") if is_checked_module(p)}
    assert {"rfq/api.py", "rfq/selectors.py", "rfq/services/quotes.py", "inventory/services.py"} <= checked
    assert "rfq/models.py" not in checked and not any("/migrations/" in p for p in checked)
