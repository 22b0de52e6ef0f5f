"""What every benchmark returns: a figure beside the raw baseline measured in the same run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figure:
    name: str            # "import.sqlite", "fanout", "quota.google", "api.summary.p95"…
    value: float         # what Vitrine measured
    baseline: float      # the raw baseline, measured in the same run
    unit: str            # "s", "pushes/s", "ms"…
    target: str          # human-readable, e.g. "ratio <= 3.0"
    held: bool           # whether the target held in this run
    ratio: float | None = None  # value/baseline or baseline/value, as `target` says
    note: str = ""       # what limited the figure, or why a target did not hold
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)
