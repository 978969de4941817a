"""The shipped systemd units run what the README says, stop the whole process group (so orphaned
gunicorn workers never outlive their master), restart on failure, and their commands are valid."""
import configparser
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "deploy" / name)
    return parser


@pytest.mark.parametrize("name", ["uptake-web.service", "uptake-worker.service"])
def test_units_stop_the_whole_process_group_and_restart(name):
    service = unit(name)["Service"]
    assert service["KillMode"] == "control-group" and service["Restart"] == "always"
    assert service["EnvironmentFile"] == "/etc/uptake/uptake.env" and service["User"] != "root"


def test_the_web_unit_runs_a_gunicorn_command_gunicorn_accepts():
    argv = shlex.split(unit("uptake-web.service")["Service"]["ExecStart"])
    assert argv[0].endswith("/.venv/bin/gunicorn") and argv[-1] == "wsgi:app"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run([str(gunicorn), "--check-config", *argv[1:]], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr


def test_the_worker_unit_runs_the_worker_command():
    argv = shlex.split(unit("uptake-worker.service")["Service"]["ExecStart"])
    assert argv[1:] == ["--app", "wsgi", "worker", "run"]
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), *argv[1:], "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--once" in result.stdout
