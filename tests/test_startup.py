"""Start-up stays cheap: the CLI entry point and the API façade import only what they use.

Each check runs a fresh interpreter and inspects ``sys.modules`` (no timing: speed is measured
by ``benchmarks/startup_bench.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import autonomy_monitor.api as am

HEAVY = ["scipy", "altair", "typst", "fastapi", "autonomy_monitor.models"]
DATA_STACK = ["polars", "duckdb", "pyarrow", "pandas", "numpy"]  # needed by a lookup, not by --help


def imported_after(code: str) -> set[str]:
    """Top-level and package names present in sys.modules after running ``code`` afresh."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def loaded(modules: set[str], names: list[str]) -> list[str]:
    return [n for n in names if n in modules or any(m.startswith(n + ".") for m in modules)]


def test_cli_entry_point_imports_no_heavy_module() -> None:
    modules = imported_after("import autonomy_monitor.cli.main")
    assert loaded(modules, HEAVY) == []


def test_cli_entry_point_imports_no_data_stack() -> None:
    """--version and --help build every command: command modules import Polars/DuckDB inside
    functions."""
    modules = imported_after("import autonomy_monitor.cli.main")
    assert loaded(modules, DATA_STACK) == []


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["alignment", "--help"], ["scenario", "--help"]]
)
def test_help_and_version_import_no_heavy_module(args: list[str]) -> None:
    """Typer builds every command for --help: still no heavy module and no data stack."""
    code = (
        "import contextlib, io, sys\n"
        f"sys.argv = ['autonomy', *{args!r}]\n"
        "from autonomy_monitor.cli.main import app\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    app()"
    )
    modules = imported_after(code)
    assert loaded(modules, HEAVY + DATA_STACK) == []


def test_version_is_answered_before_typer() -> None:
    """The console script (``autonomy_monitor.cli:run``) prints the version without importing
    Typer, Rich or a command module, and prints what the Typer app's --version prints."""
    from typer.testing import CliRunner

    from autonomy_monitor.cli.main import app

    code = (
        "import sys\nsys.argv = ['autonomy', '--version']\n"
        "from autonomy_monitor.cli import run\nrun()"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    printed, modules = (
        result.stdout.splitlines()[:-1],
        set(json.loads(result.stdout.splitlines()[-1])),
    )
    assert loaded(modules, ["typer", "click", "rich", "autonomy_monitor.cli.main"]) == []
    assert printed == CliRunner().invoke(app, ["--version"]).output.splitlines()


def test_console_script_is_the_light_entry_point() -> None:
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["autonomy"] == "autonomy_monitor.cli:run"


def test_api_facade_import_is_light() -> None:
    modules = imported_after("import autonomy_monitor.api")
    assert loaded(modules, HEAVY + DATA_STACK) == []


def test_lookup_does_not_import_models_or_web() -> None:
    modules = imported_after(
        "import autonomy_monitor.api as am\n"
        "am.vote_agreement\nam.dependence\nam.profile\nam.key_votes"
    )
    assert loaded(modules, HEAVY) == []


@pytest.mark.parametrize("name", am.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(am, name) is not None
    assert name in dir(am)


def test_submodule_import_does_not_hide_a_public_function() -> None:
    """``api.dependence`` is a function even after ``autonomy_monitor.api.dependence`` (the module)
    loads."""
    code = (
        "import autonomy_monitor.api.dependence\n"
        "import autonomy_monitor.api as am\n"
        "print(json.dumps(callable(am.dependence) and am.dependence.__module__))"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import json\n" + code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == "autonomy_monitor.api.dependence"


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_function"):
        am.no_such_function  # noqa: B018
