"""`report.xlsx`: one row per site and platform, ready to hand to management; a summary sheet
per platform in front."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from connectors.registry import CONNECTORS
from schemas.campaigns import CampaignProgress
from service.models import CampaignSite

BOLD = Font(bold=True)


def show(fields: dict[str, Any]) -> str:
    """A campaign's before/after as a person reads it."""
    parts = []
    if "phones" in fields:
        phones = fields["phones"] or {}
        extra = phones.get("additional") or []
        parts.append((phones.get("primary") or "no number") + (f" (also {', '.join(extra)})" if extra else ""))
    if "hours" in fields:
        periods = (fields["hours"] or {}).get("special") or []
        parts.append("; ".join(_period(p) for p in periods) or "no special hours")
    for key in sorted(set(fields) - {"phones", "hours"}):
        parts.append(f"{key}: {fields[key]}")
    return " | ".join(parts)


def _period(p: dict[str, Any]) -> str:
    dates = p["start_date"] if p.get("end_date") in (None, p["start_date"]) else f"{p['start_date']} → {p['end_date']}"
    if p.get("closed"):
        return f"{dates} closed"
    return f"{dates} " + ", ".join(f"{i.get('open')}-{i.get('close')}" for i in p.get("intervals") or [])


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: every time is UTC, as the header says
    return value


def build_report(progress: CampaignProgress, sites: list[CampaignSite], names: dict[str, str],
                 statuses: dict[str, dict[str, dict[str, Any]]]) -> bytes:
    wb = Workbook()
    summary = wb.active
    summary.title = "Summary"
    summary.append(["Campaign", progress.id])
    summary.append(["Kind", progress.kind])
    summary.append(["Name", progress.name or ""])
    summary.append(["State", progress.state])
    summary.append(["Created (UTC)", _cell(progress.created_at)])
    summary.append(["Applied (UTC)", _cell(progress.applied_at)])
    summary.append(["Done", f"{progress.percent}% of the sites on the platforms that take this change"])
    summary.append([])
    summary.append(["Platform", "Channel", "Sites", "Done", "%", "Statuses", "ETA (UTC)", "Note"])
    for cell in summary[summary.max_row]:
        cell.font = BOLD
    for p in progress.platforms:
        summary.append([CONNECTORS[p.platform].info.name, p.channel, p.total, p.done, p.percent,
                        ", ".join(f"{k}: {v}" for k, v in sorted(p.counts.items())), _cell(p.eta), p.note or ""])
    for cell in summary["A"][:7]:
        cell.font = BOLD

    detail = wb.create_sheet("Sites")
    header = ["Store code", "Site", "Before", "After", "Campaign outcome", "Platform", "Status", "Done",
              "Revision pushed", "Expected live by (UTC)", "Live URL", "Reason"]
    detail.append(header)
    for cell in detail[1]:
        cell.font = BOLD
    for site in sites:
        base = [site.store_code, names.get(site.store_code, ""), show(site.before), show(site.after), site.outcome]
        targets = statuses.get(site.store_code) or {}
        if site.outcome != "applied" or not targets:
            detail.append([*base, "", "", "", "", "", "", site.detail or ""])
            continue
        for platform in sorted(targets):
            t = targets[platform]
            done = t["status"] in ("live", "submitted") and (t["pushed_revision"] or 0) >= (site.revision or 0)
            expected = datetime.fromisoformat(t["expected_by"]) if t.get("expected_by") else None
            detail.append([*base, CONNECTORS[platform].info.name, t["status"], "yes" if done else "no",
                           t["pushed_revision"], _cell(expected), t.get("live_url") or "", t.get("error") or ""])
    detail.freeze_panes = "A2"
    detail.auto_filter.ref = detail.dimensions
    for column, width in zip("ABCDEFGHIJKL", (14, 32, 30, 30, 16, 22, 16, 7, 10, 20, 40, 60)):
        detail.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
