"""E-mail read back from a real SMTP server (aiosmtpd), parsed with the stdlib email package."""

from __future__ import annotations

from service import events
from service.notifications import service as notifications
from service.webhooks.tasks import CONSUMERS
from tests.integrations.helpers import live_sites, revoke_and_edit

NAME = "Clinique <Parc> & Fils"  # must arrive escaped in the HTML part


async def test_action_required_is_one_grouped_email_then_a_weekly_digest_in_french(
        client, app, sandbox, settings, mailbox):
    assert (await client.post("/api/v1/notifications/recipients",
                              json={"email": "direction@horizon-sante.fr", "language": "fr"})).status_code == 201
    await live_sites(client, sandbox, app, ["MAIL-1", "MAIL-2"], name=NAME)
    assert await notifications.flush(app.state.sessionmaker, settings) == 0  # "live" needs nobody
    await revoke_and_edit(client, sandbox, ["MAIL-1", "MAIL-2"])  # one bad credential, two sites
    await events.dispatch(app.state.sessionmaker, CONSUMERS)
    assert await notifications.flush(app.state.sessionmaker, settings) == 1
    assert len(mailbox.messages) == 1  # grouped: one e-mail for both sites
    message = mailbox.messages[0]
    assert message["To"] == "direction@horizon-sante.fr"
    assert message["Subject"] == "Vitrine : 2 point(s) demandent votre attention"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for code in ("MAIL-1", "MAIL-2"):
        assert f"{NAME} ({code}) sur google : action requise" in text
    assert "Clinique &lt;Parc&gt; &amp; Fils" in html and "<Parc>" not in html
    assert await notifications.flush(app.state.sessionmaker, settings) == 0  # nothing sent twice

    assert await notifications.send_digests(app.state.sessionmaker, settings) == 1
    digest = mailbox.messages[1]
    assert digest["Subject"] == "Vitrine : votre semaine (Horizon Santé)"
    body = digest.get_body(("plain",)).get_content()
    changed, live, waiting = (body.split(title)[1] for title in
                              ("Modifié cette semaine", "En ligne\r\n", "En attente de vous"))
    # created this week, then edited: the site is new (one line per site, not one per revision)
    assert f"{NAME} (MAIL-1) : nouvelle fiche" in changed and f"{NAME} (MAIL-2) : nouvelle fiche" in changed
    assert "0 fiche(s) en ligne sur 0 plateforme(s)" in live
    assert f"{NAME} (MAIL-1) sur google : action requise" in waiting
    assert "Clinique &lt;Parc&gt; &amp; Fils" in digest.get_body(("html",)).get_content()


async def test_english_recipient_and_no_smtp_means_no_mail(client, app, settings, mailbox):
    await client.post("/api/v1/notifications/recipients", json={"email": "it@example.org", "language": "en"})
    await client.post("/api/v1/sources", json={"name": "down", "kind": "csv",
                                               "url": "http://127.0.0.1:9/none.csv"})
    await client.post("/api/v1/sources/down/run")
    await events.dispatch(app.state.sessionmaker, CONSUMERS)
    assert await notifications.flush(app.state.sessionmaker, settings.model_copy(update={"smtp_host": None})) == 0
    assert await notifications.flush(app.state.sessionmaker, settings) == 1
    assert mailbox.messages[0]["Subject"] == "Vitrine: 1 item(s) need your attention"
    assert 'Source "down" failed' in mailbox.messages[0].get_body(("plain",)).get_content()
