"""`./dev`, the first command a new user runs: it says what it is doing while it installs."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Stands in for python3: `-m venv DIR` makes an environment whose python and ponte say how they
# were called, so the script's steps can be read in order without a two-minute install.
FAKE_PYTHON = """#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin"
  printf '#!/bin/sh\\necho "RAN python $*"\\n' > "$3/bin/python"
  printf '#!/bin/sh\\necho "RAN ponte $*"\\n' > "$3/bin/ponte"
  chmod +x "$3/bin/python" "$3/bin/ponte"
  echo "RAN venv"
fi
"""


def run_dev(tmp_path: Path, *args: str) -> list[str]:
    """What `./dev ARGS` prints, its two streams in the order a terminal shows them."""
    fake = tmp_path / "python3"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    env = os.environ | {"PYTHON": str(fake), "PONTE_VENV": str(tmp_path / "venv")}
    done = subprocess.run([str(ROOT / "dev"), *args], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout
    return done.stdout.splitlines()


def test_the_first_demo_says_what_it_installs_before_each_slow_step(tmp_path):
    lines = run_dev(tmp_path, "demo", "--port", "1")

    creating = next(i for i, line in enumerate(lines) if "creating a Python environment" in line)
    installing = next(i for i, line in enumerate(lines) if "installing Ponte" in line)
    pip = next(i for i, line in enumerate(lines) if line.startswith("RAN python -m pip install"))
    assert creating < lines.index("RAN venv") < installing < pip
    assert "--quiet" not in lines[pip], "pip shows its progress"
    assert lines[-1] == "RAN ponte demo --port 1"


def test_later_runs_skip_the_install_until_pyproject_changes(tmp_path):
    run_dev(tmp_path, "demo")

    again = run_dev(tmp_path, "demo")
    assert not [line for line in again if "pip" in line or "installing" in line]

    stamp = tmp_path / "venv" / ".ponte-installed"
    os.utime(stamp, (0, 0))  # older than pyproject.toml, as after a dependency changed
    changed = run_dev(tmp_path, "demo")
    assert any(line.startswith("RAN python -m pip install") for line in changed)
