"""Each person's mail: preferences kind by kind (transactional kinds always on), the language
for mail, the one-click unsubscribe link (honoured by POST, never by GET, refused when
forged), and the in-app notifications (own only, read and unread)."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.mail.kinds import KINDS, OPTIONAL
from app.mail.outbox import Notice, queue_mail, unsubscribe_token
from tests.conftest import BASE_URL, deliver_mail
from tests.factories import anonymous, client_for, make_challenge, submitted_entry

SLUG = "hiv-testing"


def _enabled(client: TestClient) -> dict[str, bool]:
    r = client.get("/api/me/mail-preferences")
    assert r.status_code == 200, r.text
    return {k["kind"]: k["enabled"] for k in r.json()["kinds"]}


def _user_id(client: TestClient) -> int:
    return client.get("/api/auth/me").json()["id"]


def test_preferences_round_trip(client_and_app: tuple[TestClient, FastAPI]) -> None:
    client, _ = client_and_app
    body = client.get("/api/me/mail-preferences").json()
    assert "fr" in body.pop("languages")  # the language of the translated templates
    assert body == {
        "language": None,
        "kinds": [
            {
                "kind": k.key,
                "label": k.label,
                "audience": k.audience,
                "optional": k.optional,
                "enabled": True,
            }
            for k in KINDS.values()
        ],
    }
    r = client.put(
        "/api/me/mail-preferences", json={"deadline_reminder": False, "broadcast": False}
    )
    assert r.status_code == 200, r.text
    off = {"deadline_reminder", "broadcast"}
    assert _enabled(client) == {kind: kind not in off for kind in KINDS}
    # Kinds left out keep their setting; one turned back on is on.
    client.put("/api/me/mail-preferences", json={"broadcast": True})
    assert _enabled(client) == {kind: kind != "deadline_reminder" for kind in KINDS}
    assert client.put("/api/me/mail-preferences", json={}).status_code == 200
    assert _enabled(client) == {kind: kind != "deadline_reminder" for kind in KINDS}


def test_a_transactional_or_unknown_kind_is_refused_by_name(
    client_and_app: tuple[TestClient, FastAPI],
) -> None:
    client, _ = client_and_app
    r = client.put(
        "/api/me/mail-preferences",
        json={"broadcast": False, "entry_receipt": False, "newsletter": False},
    )
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["field"] == "entry_receipt"
    assert [d["field"] for d in error["details"]] == ["entry_receipt", "newsletter"]
    assert "always sent" in error["details"][0]["message"]
    assert "not a kind of message" in error["details"][1]["message"]
    # Nothing changed, the optional kind in the same request included.
    assert all(_enabled(client).values())
    r = client.put("/api/me/mail-preferences", json={"broadcast": "no"})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "broadcast")
    r = client.put("/api/me/mail-preferences", json=["broadcast"])
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("fr", "fr"),
        ("pt_BR", "pt-BR"),
        (" SW ", "sw"),
        ("es-419", "es-419"),
        ("", None),
        (None, None),
    ],
)
def test_language_for_mail(
    client_and_app: tuple[TestClient, FastAPI], sent: str | None, kept: str | None
) -> None:
    client, _ = client_and_app
    client.patch("/api/me/language", json={"language": "de"})
    r = client.patch("/api/me/language", json={"language": sent})
    assert (r.status_code, r.json()) == (200, {"language": kept})
    assert client.get("/api/me/mail-preferences").json()["language"] == kept


@pytest.mark.parametrize("sent", ["Français", "f", "fr-", "en-GB-oxendict-x-y-z", "a" * 21])
def test_a_language_that_is_not_a_tag_is_refused(
    client_and_app: tuple[TestClient, FastAPI], sent: str
) -> None:
    client, _ = client_and_app
    r = client.patch("/api/me/language", json={"language": sent})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "language")
    assert client.get("/api/me/mail-preferences").json()["language"] is None


@pytest.fixture
def client_and_app(app: FastAPI) -> tuple[TestClient, FastAPI]:
    return client_for(app, "amina@example.org", name="Amina"), app


def _entrant_and_organiser(app: FastAPI) -> tuple[TestClient, TestClient]:
    org = client_for(app, "org@example.org", name="Olu Organiser")
    make_challenge(org)
    entrant = client_for(app, "amina@example.org", name="Amina")
    submitted_entry(entrant)
    return entrant, org


def _broadcast(org: TestClient, subject: str) -> None:
    body = {"segment": "all_entrants", "subject": subject, "body": "News."}
    r = org.post(f"/api/challenges/{SLUG}/broadcasts", json=body)
    assert r.status_code == 201, r.text


def _subjects(mailbox, address: str) -> list[str]:
    return [str(m["Subject"]) for m in mailbox.to(address)]


def test_an_optional_kind_turned_off_is_not_mailed_a_transactional_one_is(
    app: FastAPI, mailbox
) -> None:
    entrant, org = _entrant_and_organiser(app)
    deliver_mail(app)
    mailbox.clear()
    r = entrant.put("/api/me/mail-preferences", json=dict.fromkeys(OPTIONAL, False))
    assert r.status_code == 200, r.text
    _broadcast(org, "Deadline extended")
    r = anonymous(app).post("/api/auth/password-reset/request", json={"email": "amina@example.org"})
    assert r.status_code == 202
    deliver_mail(app)
    [reset] = mailbox.to("amina@example.org")
    assert "/reset.html?token=" in reset.get_body(preferencelist=("plain",)).get_content()
    assert reset["List-Unsubscribe"] is None  # transactional: nothing to unsubscribe from
    # The broadcast still shows on the entrant's page.
    items = entrant.get("/api/me/notifications").json()["items"]
    assert [n["title"] for n in items if n["kind"] == "broadcast"] == ["Deadline extended"]


def _unsubscribe_link(mailbox, address: str) -> str:
    [message] = mailbox.to(address)
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"(http://testserver/api/unsubscribe\?token=\S+)", text)
    assert match is not None, text
    return match.group(1)


def test_one_click_unsubscribe(app: FastAPI, mailbox) -> None:
    entrant, org = _entrant_and_organiser(app)
    deliver_mail(app)
    mailbox.clear()
    _broadcast(org, "First news")
    deliver_mail(app)
    link = _unsubscribe_link(mailbox, "amina@example.org")
    token = link.split("token=", 1)[1]
    # The headers a mail client's unsubscribe button uses name the same link (RFC 8058).
    [message] = mailbox.to("amina@example.org")
    assert (message["List-Unsubscribe"], message["List-Unsubscribe-Post"]) == (
        f"<{link}>",
        "List-Unsubscribe=One-Click",
    )
    assert token == unsubscribe_token(app.state.settings, _user_id(entrant), "broadcast")

    # Opening the link (as a mail scanner does) changes nothing: it leads to the page.
    opened = anonymous(app).get(link.removeprefix(BASE_URL), follow_redirects=False)
    assert (opened.status_code, opened.headers["location"]) == (
        303,
        f"/unsubscribe.html?token={token}",
    )
    assert _enabled(entrant)["broadcast"] is True

    # The mail client's one-click POST: no cookie, no Origin, a form body (RFC 8058).
    with TestClient(app, base_url=BASE_URL) as mail_client:
        r = mail_client.post(
            link.removeprefix(BASE_URL),
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert (r.status_code, r.json()) == (
        200,
        {"kind": "broadcast", "label": KINDS["broadcast"].label, "enabled": False},
    )
    assert _enabled(entrant) == {kind: kind != "broadcast" for kind in KINDS}
    # Again, and from a webmail page on its own origin: the same answer, nothing more.
    with TestClient(app, base_url=BASE_URL, headers={"Origin": "https://mail.example"}) as web:
        assert web.post(link.removeprefix(BASE_URL)).status_code == 200
    assert _enabled(entrant) == {kind: kind != "broadcast" for kind in KINDS}

    mailbox.clear()
    _broadcast(org, "Second news")
    deliver_mail(app)
    assert _subjects(mailbox, "amina@example.org") == []


def test_a_forged_or_malformed_token_is_refused(app: FastAPI) -> None:
    settings = app.state.settings
    amina = client_for(app, "amina@example.org", name="Amina")
    bola = client_for(app, "bola@example.org", name="Bola")
    amina_id, bola_id = _user_id(amina), _user_id(bola)
    real = unsubscribe_token(settings, amina_id, "broadcast")
    digest = real.split(".")[2]
    forged = [
        f"{bola_id}.broadcast.{digest}",  # Amina's signature on Bola's id
        f"{amina_id}.voting_open.{digest}",  # on another kind
        f"{amina_id}.broadcast.{'0' * 32}",
        f"{amina_id}.account.{digest}",  # a transactional kind
        unsubscribe_token(settings, 99999, "broadcast"),  # nobody
        "not-a-token",
        f"{amina_id}.broadcast",
        real + "x",
    ]
    for token in forged:
        r = anonymous(app).post("/api/unsubscribe", params={"token": token})
        assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_unsubscribe_token")
        assert "not valid" in r.json()["error"]["message"]
    for token in ("", "x" * 201):
        r = anonymous(app).post("/api/unsubscribe", params={"token": token})
        assert (r.status_code, r.json()["error"]["field"]) == (422, "token")
    assert all(_enabled(amina).values()) and all(_enabled(bola).values())


def _notify(app: FastAPI, user_id: int, title: str) -> None:
    with Session(app.state.engine) as session:
        queue_mail(
            session,
            app.state.settings,
            template="password_changed",
            to_address=f"{user_id}@example.org",
            user_id=user_id,
            context={"display_name": "Someone"},
            notice=Notice(title=title, body=f"About {title}", link="/account.html"),
        )
        session.commit()


def test_notifications_own_only_newest_first_read_and_unread(app: FastAPI) -> None:
    amina = client_for(app, "amina@example.org", name="Amina")
    bola = client_for(app, "bola@example.org", name="Bola")
    for title in ("One", "Two", "Three"):
        _notify(app, _user_id(amina), title)
    _notify(app, _user_id(bola), "Bola's")

    first = amina.get("/api/me/notifications", params={"limit": 2}).json()
    assert [(n["title"], n["body"], n["link"], n["read"]) for n in first["items"]] == [
        ("Three", "About Three", "/account.html", False),
        ("Two", "About Two", "/account.html", False),
    ]
    rest = amina.get(
        "/api/me/notifications", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert ([n["title"] for n in rest["items"]], rest["next_cursor"]) == (["One"], None)
    assert amina.get("/api/me/notifications/unread").json() == {"count": 3}
    [bolas] = bola.get("/api/me/notifications").json()["items"]
    assert bolas["title"] == "Bola's"

    two = first["items"][1]["id"]
    read = amina.post(f"/api/me/notifications/{two}/read")
    assert (read.status_code, read.json()["read"], read.json()["title"]) == (200, True, "Two")
    again = amina.post(f"/api/me/notifications/{two}/read").json()
    assert again["read_at"] == read.json()["read_at"]
    assert amina.get("/api/me/notifications/unread").json() == {"count": 2}

    # Another person's notification does not exist for them, nor for anyone logged out.
    assert bola.post(f"/api/me/notifications/{two}/read").status_code == 404
    assert amina.post(f"/api/me/notifications/{bolas['id']}/read").status_code == 404
    assert amina.post("/api/me/notifications/99999/read").status_code == 404
    assert anonymous(app).get("/api/me/notifications").status_code == 401
    assert bola.get("/api/me/notifications/unread").json() == {"count": 1}

    assert amina.post("/api/me/notifications/read-all").json() == {"marked": 2}
    assert amina.get("/api/me/notifications/unread").json() == {"count": 0}
    assert all(n["read"] for n in amina.get("/api/me/notifications").json()["items"])
    assert amina.post("/api/me/notifications/read-all").json() == {"marked": 0}
    assert bola.get("/api/me/notifications/unread").json() == {"count": 1}


def test_mail_kinds_are_public(app: FastAPI) -> None:
    r = anonymous(app).get("/api/mail-kinds")
    assert r.json() == [
        {"kind": k.key, "label": k.label, "optional": k.optional} for k in KINDS.values()
    ]


def test_opening_a_link_with_an_odd_token_still_only_leads_to_the_page(app: FastAPI) -> None:
    r = anonymous(app).get(
        "/api/unsubscribe", params={"token": "a&next=//evil.example"}, follow_redirects=False
    )
    assert (r.status_code, r.headers["location"]) == (
        303,
        "/unsubscribe.html?token=a%26next%3D%2F%2Fevil.example",
    )
