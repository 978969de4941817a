"""Dependencies point one way: the engines never import the web or database layers."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE_PACKAGES = ["app/skills", "app/crm", "quizzes", "simulations"]
FORBIDDEN = ("flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "sqlalchemy", "werkzeug")


def engine_modules():
    for package in ENGINE_PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def imported_names(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


@pytest.mark.parametrize("path", list(engine_modules()), ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_module_does_not_import_web_or_db(path):
    bad = [name for name in imported_names(path)
           if name.split(".")[0] in FORBIDDEN
           or (name.startswith("app.") and not name.startswith(("app.skills", "app.crm")))]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_check_catches_a_forbidden_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from flask import current_app\nimport sqlalchemy.orm\n")
    assert list(imported_names(module)) == ["flask", "sqlalchemy.orm"]
