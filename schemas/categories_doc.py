"""Render docs/categories.md from CATEGORIES: `python -m schemas.categories_doc > docs/categories.md`."""

from schemas.categories import CATEGORIES


def render() -> str:
    lines = [
        "# Canonical categories",
        "",
        "The `categories.primary` and `categories.additional` keys of a record. A record may have no",
        "category: platforms that need one (Google, Apple) then show the site `action_required` with",
        "\"add a primary category\", and the others publish it. A platform that cannot express a key",
        "falls back to its parent (then the parent's parent), and the sync status says so.",
        "",
        "In an Excel import, a cell may hold the key, the English or French label, Google's display",
        "name (English or French) or one of the other names listed; an unknown value gets suggestions",
        "from these names' meaning (a word they share) and spelling.",
        "",
        "Google column: the Business Profile category each key is sent as (`categories/gcid:...`), with",
        "Google's display names where they differ from the labels. Source: Google's category list as the",
        "Business Information API's `categories.list` returns it (`regionCode=FR`, `languageCode=en|fr`);",
        "the gcids of the keys from `medical_clinic` on and the French display names are UNVERIFIED",
        "against a live call (`categories:batchGet` re-checks them). Generated from `schemas/categories.py`.",
        "",
        "| key | English | Français | parent | Google | other accepted names |",
        "|---|---|---|---|---|---|",
    ]
    for key, c in CATEGORIES.items():
        google = f"`{c.gcid}`" if c.gcid else "(none: parent's)"
        shown = [n for n in (c.google_en, c.google_fr) if n]
        if shown:
            google += " " + " / ".join(shown)
        lines.append(f"| `{key}` | {c.label_en} | {c.label_fr} | {f'`{c.parent}`' if c.parent else ''} | "
                     f"{google} | {', '.join(c.aliases)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
