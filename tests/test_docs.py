"""Docs that must match the code."""

import re
from pathlib import Path

from connectors.registry import CONNECTORS
from schemas.categories import CATEGORIES
from schemas.categories_doc import render

ROOT = Path(__file__).resolve().parents[1]


def test_categories_doc_is_generated_from_the_code():
    assert (ROOT / "docs" / "categories.md").read_text() == render()
    assert len(CATEGORIES) >= 50


def test_readme_quick_start_is_two_commands_and_ci_runs_the_second():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"^## Quick start.*?```bash\n(.*?)```", readme, re.S | re.M).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2 and commands[0].endswith("vitrine demo")
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_readme_lists_every_registered_platform():
    readme = (ROOT / "README.md").read_text()
    for cls in CONNECTORS.values():
        assert f"`{cls.info.key}`" in readme, cls.info.key
