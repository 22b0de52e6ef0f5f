"""The shared address-line parser (`connectors.common.address`) on a corpus of French, Belgian and Swiss lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.common.address import AddressLines, parse_lines, split_house_number

CORPUS = json.loads((Path(__file__).parent / "data" / "address_lines.json").read_text(encoding="utf-8"))["cases"]
FLOOR = 0.95  # the measured figure is printed by `measure()` below and quoted in the closing note


def _matches(case: dict) -> bool:
    got = parse_lines(case["lines"])
    return (got.street_line == case["street_line"] and got.house_number == case["house_number"]
            and got.complements == case["complements"])


def measure() -> tuple[int, int, list[dict]]:
    misses = [case for case in CORPUS if not _matches(case)]
    return len(CORPUS) - len(misses), len(CORPUS), misses


def test_the_corpus_is_large_enough_and_mixed() -> None:
    assert len(CORPUS) >= 50
    trailing = [c for c in CORPUS if c["house_number"] and c["street_line"] and not c["street_line"].startswith(c["house_number"])]
    assert len(trailing) >= 10  # Belgian / Swiss order
    assert sum(1 for c in CORPUS if c["complements"]) >= 25


def test_accuracy_on_the_corpus_is_above_the_floor() -> None:
    right, total, misses = measure()
    print(f"address parser: {right}/{total} = {right / total:.1%}")
    assert right / total >= FLOOR, [(m["lines"], parse_lines(m["lines"])) for m in misses]


def test_a_building_line_before_the_street_is_a_complement() -> None:
    assert parse_lines(["Bâtiment B, 2e étage", "12 bis rue Oberkampf"]) == AddressLines(
        street_line="12 bis rue Oberkampf", house_number="12 bis", street="rue Oberkampf",
        complements=["Bâtiment B", "2e étage"])


def test_no_street_among_the_lines_gives_none_and_keeps_every_line() -> None:
    got = parse_lines(["Lieu-dit Les Granges"])
    assert got.street_line is None and got.complements == ["Lieu-dit Les Granges"]


@pytest.mark.parametrize(("line", "expected"), [
    ("12-14 rue X", ("12-14", "rue X", None)),
    ("Rue Neuve 12 bus 3", ("12", "Rue Neuve", "bus 3")),
    ("Bahnhofstrasse 5", ("5", "Bahnhofstrasse", None)),
    ("Place du Marché", (None, "Place du Marché", None)),
])
def test_split_house_number_leading_or_trailing(line: str, expected: tuple) -> None:
    assert split_house_number(line) == expected


if __name__ == "__main__":  # python -m tests.connectors.common.test_address
    right, total, misses = measure()
    print(f"{right}/{total} = {right / total:.1%}")
    for miss in misses:
        print(miss["lines"], "->", parse_lines(miss["lines"]))
