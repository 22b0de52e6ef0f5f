"""The e-mails are one template with per-language strings: the refactoring that made them so
kept every rendered message identical. SNAPSHOT was rendered by the code before it (the same
inputs, through `mail.TEXT`/`mail.line`/`mail.build` and `notifications.digest`); the test renders
them now, through `mail.immediate` and `notifications.digest`, and compares, both languages."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from service.notifications import mail
from service.notifications import service as notifications
from service.settings import Settings

SETTINGS = Settings(smtp_from="vitrine@clinic.test")
PAYLOADS = [
    ("listing.status_changed", {"store_code": "CLI-1", "name": "Clinique <du> Parc & Co", "platform": "google",
                                "status": "action_required", "reason": "token revoked \"401\""}),
    ("listing.status_changed", {"establishment_id": 7, "platform": "apple", "status": "drifted", "reason": None}),
    ("listing.status_changed", {"store_code": "CLI-2", "platform": "facebook", "status": "weird"}),
    ("source.failed", {"source": "facilities", "message": "HTTP 500 <boom>"}),
    ("webhook.disabled", {"url": "https://hooks.test/x?a=1&b=2", "reason": "failing for 72 h"}),
    ("other.kind", {"x": 1}),
]


def parts(msg):
    text, html = [p.get_content() for p in msg.iter_parts()]
    return {"subject": msg["Subject"], "from": msg["From"], "to": msg["To"], "text": text, "html": html}


async def _render(language: str) -> dict:
    lines = [mail.line(language, kind, payload) for kind, payload in PAYLOADS]
    immediate = mail.immediate(SETTINGS, "ops@clinic.test", language, lines)

    async def org_name(session, org_id): return "Horizon <Santé>"
    async def changed_since(session, org_id, since):
        return [("CLI-1", "Clinique du Parc", "update", [{"field": "phones.primary"}, {"field": "name"}]),
                ("CLI-9", "Clinique Neuve", "create", [{"field": "name"}]),
                ("CLI-1", "Clinique du Parc", "update", [{"field": "hours"}])]
    async def live_counts(session, org_id): return 12, 3
    async def waiting(session, org_id):
        return [("CLI-2", "Clinique des Lilas", "google", "action_required", "verify the address")]
    repo = SimpleNamespace(org_name=org_name, changed_since=changed_since, live_counts=live_counts, waiting=waiting)
    saved = notifications.repo
    notifications.repo = repo
    try:
        person = SimpleNamespace(email="boss@clinic.test", language=language)
        digest = await notifications.digest(None, SETTINGS, 1, person, datetime(2026, 1, 1, tzinfo=timezone.utc))
        repo.changed_since = lambda *a: _empty()
        repo.waiting = lambda *a: _empty()
        quiet = await notifications.digest(None, SETTINGS, 1, person, datetime(2026, 1, 1, tzinfo=timezone.utc))
    finally:
        notifications.repo = saved
    return {"immediate": parts(immediate), "digest": parts(digest), "quiet_digest": parts(quiet)}


async def _empty():
    return []


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_every_message_renders_as_before_the_refactoring(language: str) -> None:
    assert await _render(language) == SNAPSHOT[language]


def test_every_language_has_the_same_strings_and_placeholders() -> None:
    def shape(strings: dict) -> dict:
        return {key: shape(value) if isinstance(value, dict) else sorted(re.findall(r"{(\w+)}", value))
                for key, value in strings.items()}

    assert shape(mail.TEXT["en"]) == shape(mail.TEXT["fr"])


SNAPSHOT = {'fr': {'immediate': {'subject': 'Vitrine : 6 point(s) demandent votre attention',
                      'from': 'vitrine@clinic.test',
                      'to': 'ops@clinic.test',
                      'text': 'Ces fiches ou intégrations demandent une action de votre part :\n'
                              '\n'
                              '- Clinique <du> Parc & Co (CLI-1) sur google : action requise — token revoked '
                              '"401"\n'
                              '- 7 sur apple : modifié sur la plateforme\n'
                              '- CLI-2 sur facebook : weird\n'
                              '- La source « facilities » a échoué : HTTP 500 <boom>\n'
                              '- Le webhook https://hooks.test/x?a=1&b=2 a été désactivé : failing for 72 h\n'
                              "- other.kind: {'x': 1}\n",
                      'html': '<!doctype html><html><body><p>Ces fiches ou intégrations demandent une action de '
                              'votre part :</p><ul><li>Clinique &lt;du&gt; Parc &amp; Co (CLI-1) sur google : '
                              'action requise — token revoked &quot;401&quot;</li><li>7 sur apple : modifié sur la '
                              'plateforme</li><li>CLI-2 sur facebook : weird</li><li>La source « facilities » a '
                              'échoué : HTTP 500 &lt;boom&gt;</li><li>Le webhook https://hooks.test/x?a=1&amp;b=2 '
                              'a été désactivé : failing for 72 h</li><li>other.kind: {&#x27;x&#x27;: '
                              '1}</li></ul></body></html>\n'},
        'digest': {'subject': 'Vitrine : votre semaine (Horizon <Santé>)',
                   'from': 'vitrine@clinic.test',
                   'to': 'boss@clinic.test',
                   'text': 'Le résumé de la semaine pour Horizon <Santé>.\n'
                           '\n'
                           'Modifié cette semaine\n'
                           '---------------------\n'
                           '- Clinique du Parc (CLI-1) : hours, name, phones.primary\n'
                           '- Clinique Neuve (CLI-9) : nouvelle fiche\n'
                           '\n'
                           'En ligne\n'
                           '--------\n'
                           '- 12 fiche(s) en ligne sur 3 plateforme(s)\n'
                           '\n'
                           'En attente de vous\n'
                           '------------------\n'
                           '- Clinique des Lilas (CLI-2) sur google : action requise — verify the address\n',
                   'html': '<!doctype html><html><body><p>Le résumé de la semaine pour Horizon '
                           '&lt;Santé&gt;.</p><h3>Modifié cette semaine</h3><ul><li>Clinique du Parc (CLI-1) : '
                           'hours, name, phones.primary</li><li>Clinique Neuve (CLI-9) : nouvelle '
                           'fiche</li></ul><h3>En ligne</h3><ul><li>12 fiche(s) en ligne sur 3 '
                           'plateforme(s)</li></ul><h3>En attente de vous</h3><ul><li>Clinique des Lilas (CLI-2) '
                           'sur google : action requise — verify the address</li></ul></body></html>\n'},
        'quiet_digest': {'subject': 'Vitrine : votre semaine (Horizon <Santé>)',
                         'from': 'vitrine@clinic.test',
                         'to': 'boss@clinic.test',
                         'text': 'Le résumé de la semaine pour Horizon <Santé>.\n'
                                 '\n'
                                 'Modifié cette semaine\n'
                                 '---------------------\n'
                                 '- rien\n'
                                 '\n'
                                 'En ligne\n'
                                 '--------\n'
                                 '- 12 fiche(s) en ligne sur 3 plateforme(s)\n'
                                 '\n'
                                 'En attente de vous\n'
                                 '------------------\n'
                                 '- rien\n',
                         'html': '<!doctype html><html><body><p>Le résumé de la semaine pour Horizon '
                                 '&lt;Santé&gt;.</p><h3>Modifié cette semaine</h3><ul><li>rien</li></ul><h3>En '
                                 'ligne</h3><ul><li>12 fiche(s) en ligne sur 3 plateforme(s)</li></ul><h3>En '
                                 'attente de vous</h3><ul><li>rien</li></ul></body></html>\n'}},
 'en': {'immediate': {'subject': 'Vitrine: 6 item(s) need your attention',
                      'from': 'vitrine@clinic.test',
                      'to': 'ops@clinic.test',
                      'text': 'These listings or integrations need an action from you:\n'
                              '\n'
                              '- Clinique <du> Parc & Co (CLI-1) on google: action required — token revoked "401"\n'
                              '- 7 on apple: changed on the platform\n'
                              '- CLI-2 on facebook: weird\n'
                              '- Source "facilities" failed: HTTP 500 <boom>\n'
                              '- Webhook https://hooks.test/x?a=1&b=2 was disabled: failing for 72 h\n'
                              "- other.kind: {'x': 1}\n",
                      'html': '<!doctype html><html><body><p>These listings or integrations need an action from '
                              'you:</p><ul><li>Clinique &lt;du&gt; Parc &amp; Co (CLI-1) on google: action '
                              'required — token revoked &quot;401&quot;</li><li>7 on apple: changed on the '
                              'platform</li><li>CLI-2 on facebook: weird</li><li>Source &quot;facilities&quot; '
                              'failed: HTTP 500 &lt;boom&gt;</li><li>Webhook https://hooks.test/x?a=1&amp;b=2 was '
                              'disabled: failing for 72 h</li><li>other.kind: {&#x27;x&#x27;: '
                              '1}</li></ul></body></html>\n'},
        'digest': {'subject': 'Vitrine: your week (Horizon <Santé>)',
                   'from': 'vitrine@clinic.test',
                   'to': 'boss@clinic.test',
                   'text': "The week's summary for Horizon <Santé>.\n"
                           '\n'
                           'Changed this week\n'
                           '-----------------\n'
                           '- Clinique du Parc (CLI-1): hours, name, phones.primary\n'
                           '- Clinique Neuve (CLI-9): new listing\n'
                           '\n'
                           'Live\n'
                           '----\n'
                           '- 12 listing(s) live on 3 platform(s)\n'
                           '\n'
                           'Waiting on you\n'
                           '--------------\n'
                           '- Clinique des Lilas (CLI-2) on google: action required — verify the address\n',
                   'html': '<!doctype html><html><body><p>The week&#x27;s summary for Horizon '
                           '&lt;Santé&gt;.</p><h3>Changed this week</h3><ul><li>Clinique du Parc (CLI-1): hours, '
                           'name, phones.primary</li><li>Clinique Neuve (CLI-9): new '
                           'listing</li></ul><h3>Live</h3><ul><li>12 listing(s) live on 3 '
                           'platform(s)</li></ul><h3>Waiting on you</h3><ul><li>Clinique des Lilas (CLI-2) on '
                           'google: action required — verify the address</li></ul></body></html>\n'},
        'quiet_digest': {'subject': 'Vitrine: your week (Horizon <Santé>)',
                         'from': 'vitrine@clinic.test',
                         'to': 'boss@clinic.test',
                         'text': "The week's summary for Horizon <Santé>.\n"
                                 '\n'
                                 'Changed this week\n'
                                 '-----------------\n'
                                 '- nothing\n'
                                 '\n'
                                 'Live\n'
                                 '----\n'
                                 '- 12 listing(s) live on 3 platform(s)\n'
                                 '\n'
                                 'Waiting on you\n'
                                 '--------------\n'
                                 '- nothing\n',
                         'html': '<!doctype html><html><body><p>The week&#x27;s summary for Horizon '
                                 '&lt;Santé&gt;.</p><h3>Changed this '
                                 'week</h3><ul><li>nothing</li></ul><h3>Live</h3><ul><li>12 listing(s) live on 3 '
                                 'platform(s)</li></ul><h3>Waiting on '
                                 'you</h3><ul><li>nothing</li></ul></body></html>\n'}}}
