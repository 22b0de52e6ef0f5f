"""E-mail messages (plain text and HTML, every value escaped in the HTML) in French or English,
and sending them over SMTP (stdlib smtplib in a thread; STARTTLS unless turned off).

One template for both languages: `build` lays out every message, `immediate` and `digest` say
what goes in it, and every word a reader sees comes from `TEXT[language]` (the same keys and
placeholders in each language, checked by tests/integrations/test_mail_templates.py). A new
language is a new entry of `TEXT`, nothing else."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape
from typing import Any

from service.settings import Settings

TEXT = {
    "fr": {
        "immediate_subject": "Vitrine : {n} point(s) demandent votre attention",
        "immediate_intro": "Ces fiches ou intégrations demandent une action de votre part :",
        "digest_subject": "Vitrine : votre semaine ({org})",
        "digest_intro": "Le résumé de la semaine pour {org}.",
        "changed": "Modifié cette semaine", "live": "En ligne", "waiting": "En attente de vous",
        "none": "rien", "listing": "{site} sur {platform} : {status}", "source": "La source « {source} » a échoué : {message}",
        "webhook": "Le webhook {url} a été désactivé : {reason}",
        "status": {"action_required": "action requise", "failed": "en échec", "live": "en ligne",
                   "drifted": "modifié sur la plateforme"},
        "live_count": "{n} fiche(s) en ligne sur {p} plateforme(s)",
        "site_changed": "{site} : {what}", "new_listing": "nouvelle fiche",
    },
    "en": {
        "immediate_subject": "Vitrine: {n} item(s) need your attention",
        "immediate_intro": "These listings or integrations need an action from you:",
        "digest_subject": "Vitrine: your week ({org})",
        "digest_intro": "The week's summary for {org}.",
        "changed": "Changed this week", "live": "Live", "waiting": "Waiting on you",
        "none": "nothing", "listing": "{site} on {platform}: {status}", "source": "Source \"{source}\" failed: {message}",
        "webhook": "Webhook {url} was disabled: {reason}",
        "status": {"action_required": "action required", "failed": "failed", "live": "live",
                   "drifted": "changed on the platform"},
        "live_count": "{n} listing(s) live on {p} platform(s)",
        "site_changed": "{site}: {what}", "new_listing": "new listing",
    },
}


def line(language: str, kind: str, payload: dict[str, Any]) -> str:
    """One item of an e-mail, as plain text (escaped when put in the HTML part)."""
    t = TEXT[language]
    if kind == "listing.status_changed":
        site = payload.get("store_code") or payload.get("establishment_id")
        if payload.get("name"):
            site = f"{payload['name']} ({site})"
        text = t["listing"].format(site=site, platform=payload.get("platform"),
                                   status=t["status"].get(payload.get("status"), payload.get("status")))
        return text + (f" — {payload['reason']}" if payload.get("reason") else "")
    if kind == "source.failed":
        return t["source"].format(source=payload.get("source"), message=payload.get("message"))
    if kind == "webhook.disabled":
        return t["webhook"].format(url=payload.get("url"), reason=payload.get("reason"))
    return f"{kind}: {payload}"


def site_changed(language: str, name: str, code: str, fields: set[str], created: bool) -> str:
    """A digest line: a site's fields changed over the week, or that it is new."""
    t = TEXT[language]
    return t["site_changed"].format(site=f"{name} ({code})", what=t["new_listing"] if created else ", ".join(sorted(fields)))


def immediate(settings: Settings, to: str, language: str, lines: list[str]) -> EmailMessage:
    """The grouped e-mail of what needs a person now."""
    t = TEXT[language]
    return build(settings, to, t["immediate_subject"].format(n=len(lines)), [("", lines)], t["immediate_intro"])


def digest(settings: Settings, to: str, language: str, org: str, changed: list[str], live: tuple[int, int],
           waiting: list[str]) -> EmailMessage:
    """The weekly digest: what changed, what is live (listings, platforms), what waits on a person."""
    t = TEXT[language]
    sections = [(t["changed"], changed or [t["none"]]), (t["live"], [t["live_count"].format(n=live[0], p=live[1])]),
                (t["waiting"], waiting or [t["none"]])]
    return build(settings, to, t["digest_subject"].format(org=org), sections, t["digest_intro"].format(org=org))


def build(settings: Settings, to: str, subject: str, sections: list[tuple[str, list[str]]], intro: str) -> EmailMessage:
    """A multipart/alternative message: text, then the same content as escaped HTML."""
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, settings.smtp_from, to
    msg["Date"], msg["Message-ID"] = formatdate(localtime=False), make_msgid(domain="vitrine")
    text = [intro, ""]
    html = [f"<p>{escape(intro)}</p>"]
    for title, items in sections:
        if title:
            text += [title, "-" * len(title)]
            html.append(f"<h3>{escape(title)}</h3>")
        text += [f"- {item}" for item in items] + [""]
        html.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")
    msg.set_content("\n".join(text))
    msg.add_alternative("<!doctype html><html><body>" + "".join(html) + "</body></html>", subtype="html")
    return msg


def _send_sync(settings: Settings, messages: list[EmailMessage]) -> None:
    assert settings.smtp_host
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        for message in messages:
            smtp.send_message(message)


async def send(settings: Settings, messages: list[EmailMessage]) -> None:
    if messages:
        await asyncio.to_thread(_send_sync, settings, messages)
