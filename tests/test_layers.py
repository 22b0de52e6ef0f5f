"""Imports flow one way between domain packages: a domain never imports a domain above it.

The order (lowest first) is the one the code is built on: the connection store (`platforms`)
under the sync engine, records above sync (a write marks targets in the same transaction),
imports and campaigns above records, the integration domains above those. A new domain is
added to LAYERS; routers, the CLI and the web pages sit on top and may use any domain.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parent.parent / "service"
LAYERS = ["platforms", "sync", "establishments", "imports", "campaigns",
          "users", "sources", "webhooks", "notifications"]
# Within a package, modules that only compose the package for HTTP (thin routers) may import above.
FACES = {"router.py"}
# platforms' connect() queues every site for a new connection: the one call up from the store.
ALLOWED = {("platforms", "service.py", "service.sync.outbox"), ("platforms", "service.py", "service.establishments")}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _violations(domain: str, root: Path = SERVICE) -> list[str]:
    above = LAYERS[LAYERS.index(domain) + 1:] + ["cli", "web", "api", "worker", "tasks", "runtime"]
    out = []
    for path in sorted((root / domain).rglob("*.py")):
        if path.name in FACES:
            continue
        for module in _imports(path):
            parts = module.split(".")
            if len(parts) >= 2 and parts[0] == "service" and parts[1] in above:
                if any(d == domain and path.name == f and module.startswith(m) for d, f, m in ALLOWED):
                    continue
                out.append(f"{path.relative_to(root.parent)} imports {module}")
    return out


@pytest.mark.parametrize("domain", [d for d in LAYERS if (SERVICE / d).is_dir()])
def test_no_domain_imports_a_domain_above_it(domain: str) -> None:
    assert _violations(domain) == []


def test_sync_imports_no_other_domain_but_the_connection_store() -> None:
    """The engine reads connections (credentials, endpoints); it knows no domain that has jobs."""
    for path in (SERVICE / "sync").rglob("*.py"):
        for module in _imports(path):
            parts = module.split(".")
            if len(parts) >= 2 and parts[0] == "service" and parts[1] in LAYERS and parts[1] != "sync":
                assert parts[1] == "platforms" and parts[2] in ("credentials", "repository", "endpoints"), \
                    f"{path.name} imports {module}"


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The old runner imported campaigns to run their jobs: the check must refuse that."""
    (tmp_path / "service" / "sync").mkdir(parents=True)
    (tmp_path / "service" / "sync" / "runner.py").write_text("from service.campaigns import service as campaigns\n")
    assert _violations("sync", tmp_path / "service") == ["service/sync/runner.py imports service.campaigns.service"]
