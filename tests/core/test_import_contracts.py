"""The boundaries between apps hold (import-linter's contracts in pyproject.toml, run by
``make lint``), and they can fail: a small tree of apps that breaks each contract is rejected."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
APPS = [
    "core", "accounts", "notifications", "cms", "catalog", "inventory",
    "orders", "tracking", "jobs", "rfq", "leads", "reports", "search",
]  # fmt: skip


def _lint(cwd: Path, *contracts: str) -> subprocess.CompletedProcess:
    args = [str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"]
    for contract in contracts:
        args += ["--contract", contract]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(cwd), str(ROOT)])}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _tree(tmp_path: Path, files: dict[str, str], extra_apps=()) -> Path:
    """A package ``apps`` with every app of the layers (empty), ``extra_apps`` and ``files``."""
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "__init__.py").write_text("")
    for app in [*APPS, *extra_apps]:
        (tmp_path / "apps" / app).mkdir()
        for module in ("__init__", "api", "models", "services"):
            (tmp_path / "apps" / app / f"{module}.py").write_text("")
    for path, text in files.items():
        (tmp_path / "apps" / path).write_text(text)
    return tmp_path


def test_the_real_tree_keeps_every_contract():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_reaching_into_another_apps_services_breaks_the_public_api_contract(tmp_path):
    tree = _tree(tmp_path, {"catalog/views.py": "from apps.orders.services import *  # noqa\n"})
    result = _lint(tree, "public-api")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "apps.catalog.views -> apps.orders.services" in result.stdout


@pytest.mark.parametrize(
    "files",
    [
        {"catalog/views.py": "from apps.orders import api  # noqa\n"},
        {"catalog/models.py": "from apps.cms.models import *  # noqa\n"},  # a model base or FK target
        {"catalog/views.py": "from apps.core.services import *  # noqa\n"},  # core is open
    ],
    ids=["api", "models-from-models", "core"],
)
def test_what_the_public_api_contract_allows(tmp_path, files):
    result = _lint(_tree(tmp_path, files), "public-api")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_apps_to_come_slot_in_below_the_apps_that_use_them(tmp_path):
    tree = _tree(
        tmp_path,
        {
            "vendors/views.py": "from apps.tracking import api  # noqa\n",
            "sales/views.py": "from apps.jobs import api  # noqa\n",
        },
        extra_apps=["vendors", "sales"],
    )
    result = _lint(tree, "layers")
    assert result.returncode == 0, result.stdout + result.stderr


def test_models_of_another_app_only_from_a_models_module(tmp_path):
    tree = _tree(tmp_path, {"orders/services.py": "from apps.catalog.models import *  # noqa\n"})
    result = _lint(tree, "public-api")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "apps.orders.services -> apps.catalog.models" in result.stdout


@pytest.mark.parametrize(
    "path, text",
    [
        ("core/admin_site.py", "from apps.reports import api  # noqa\n"),
        ("orders/views.py", "from apps.tracking import api  # noqa\n"),
        ("search/views.py", "from apps.reports import api  # noqa\n"),  # siblings stay apart
        ("tracking/views.py", "from apps.jobs import api  # noqa\n"),
        ("jobs/views.py", "from apps.rfq import api  # noqa\n"),
        ("leads/views.py", "from apps.sales import api  # noqa\n"),  # the apps to come have places
    ],
    ids=[
        "core-to-reports",
        "orders-to-tracking",
        "search-to-reports",
        "tracking-to-jobs",
        "jobs-to-rfq",
        "leads-to-sales",
    ],
)
def test_an_upward_import_breaks_the_layers_contract(tmp_path, path, text):
    result = _lint(_tree(tmp_path, {path: text}, extra_apps=["sales"]), "layers")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
