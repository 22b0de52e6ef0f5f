"""`vitrine demo`, the README's first command, as a newcomer runs it: a real process on a fresh
home. It must end on its own with every platform settled, and stay quiet on stderr (no
migration or request logs between the redraws of its live table)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_the_demo_ends_settled_and_quiet(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VITRINE_")}
    env["VITRINE_HOME"] = str(tmp_path / "home")
    done = subprocess.run([sys.executable, "-c", "from service.cli import main; main()", "demo"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    stderr_lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(stderr_lines) <= 3, stderr_lines[:20]
    assert "Next steps" in done.stdout and "Horizon Santé (démo)" in done.stdout
