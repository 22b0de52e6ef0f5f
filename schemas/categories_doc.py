"""Render docs/categories.md from CATEGORIES: `python -m schemas.categories_doc > docs/categories.md`."""

from schemas.categories import CATEGORIES


def render() -> str:
    lines = [
        "# Canonical categories",
        "",
        "The `categories.primary` and `categories.additional` keys of a record. In an Excel import, the",
        "English or French label works too. A platform that cannot express a key falls back to its parent",
        "(then the parent's parent), and the sync status says so. Generated from `schemas/categories.py`.",
        "",
        "| key | English | Français | parent |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{key}` | {c.label_en} | {c.label_fr} | {f'`{c.parent}`' if c.parent else ''} |"
              for key, c in CATEGORIES.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
