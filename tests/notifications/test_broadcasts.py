"""Broadcasts: each segment reaches exactly its people, through the real SMTP server; the
preview says who and shows the message; a broadcast queued again queues nobody twice;
someone who turned organisers' messages off is notified but not mailed; the audit event."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.core.db import utcnow
from app.models import (
    Broadcast,
    Challenge,
    ChallengeRole,
    Channel,
    Eligibility,
    Entry,
    EntryStatus,
    Judge,
    JudgeStatus,
    Membership,
    Notification,
    OutboxMessage,
    RoundEntry,
    User,
    Vote,
    VoteStatus,
)
from app.notifications.broadcasts import queue_broadcast
from tests.conftest import deliver_mail
from tests.factories import client_for, make_challenge, start_entry, submitted_entry

SLUG = "hiv-testing"

# Who each segment must reach, by first name (address: name@example.org).
EXPECTED = {
    "all_entrants": ["eli", "ed", "fay", "ina", "pia", "ray", "sam"],
    "drafts": ["dee"],
    "eligible": ["eli", "ed", "fay", "ray"],
    "finalists": ["fay", "ray"],
    "judges": ["jo"],
    "voters": ["eli", "vic"],
}


def address(name: str) -> str:
    return f"{name}@example.org"


@dataclass
class Call:
    app: FastAPI
    org: TestClient
    people: dict[str, TestClient]
    challenge_id: int


def _person(app: FastAPI, people: dict[str, TestClient], name: str) -> TestClient:
    people[name] = client_for(app, address(name), name=name.title())
    return people[name]


def _screen(org: TestClient, entry_ids: list[int], eligibility: str) -> None:
    body = {"entry_ids": entry_ids, "eligibility": eligibility}
    if eligibility == "ineligible":
        body["reason"] = "Incomplete"
    r = org.post(f"/api/challenges/{SLUG}/screening", json=body)
    assert r.status_code == 200, r.text


def _round(org: TestClient, n: int) -> int:
    body = {"name": f"Round {n}", "criteria": [{"name": "Impact", "preset": "1-10"}]}
    r = org.post(f"/api/challenges/{SLUG}/rounds", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def build_call(app: FastAPI, mailbox) -> Call:
    """A call with every kind of person a segment can name, and people no segment names:
    a withdrawn entry, a deactivated entrant, an entry taken offline (no account), invited
    and withdrawn judges, a judge without an account, held and discarded votes, and an
    entrant of another call."""
    org = client_for(app, "org@example.org", name="Olu Organiser")
    make_challenge(org, max_entries_per_participant=5)
    people: dict[str, TestClient] = {}

    def p(name: str) -> TestClient:
        return _person(app, people, name)

    start_entry(p("dee"), SLUG)  # a draft, nothing submitted
    sam = p("sam")
    submitted_entry(sam)
    start_entry(sam, SLUG)  # a draft beside a submitted entry: not in "drafts"
    submitted_entry(p("pia"))  # not yet screened
    ina = submitted_entry(p("ina"))["id"]
    eli = p("eli")
    eligible = [submitted_entry(eli)["id"], submitted_entry(eli)["id"]]  # two: mailed once
    fay, ray, ed = (submitted_entry(p(name))["id"] for name in ("fay", "ray", "ed"))
    gone = submitted_entry(p("gone"))["id"]
    wit = submitted_entry(p("wit"))["id"]
    assert people["wit"].post(f"/api/entries/{wit}/withdraw").status_code == 200
    _screen(org, [*eligible, fay, ray, ed, gone], "eligible")
    _screen(org, [ina], "ineligible")
    award = {"entry_id": fay, "tier": "finalist", "reason": "The jury's choice"}
    assert org.post(f"/api/challenges/{SLUG}/awards", json=award).status_code == 201
    rounds = [_round(org, n) for n in (1, 2, 3)]

    org2 = client_for(app, "org2@example.org")
    make_challenge(org2, "other-call")
    submitted_entry(p("oth"), "other-call")

    for name in ("jo", "ian", "wen", "vic", "hal", "dis"):
        p(name)
    with Session(app.state.engine) as session:
        challenge = session.exec(select(Challenge).where(Challenge.slug == SLUG)).one()
        assert challenge.id is not None
        ids = {u.email.split("@")[0]: u.id for u in session.exec(select(User)).all()}
        # Round 2 is the last round that advanced any entry: Ray advanced from it; Ed only
        # from round 1; round 3 has decided nothing yet.
        for round_id, entry_id, advanced in (
            (rounds[0], ray, True),
            (rounds[0], ed, True),
            (rounds[0], fay, False),
            (rounds[1], ray, True),
            (rounds[1], ed, False),
            (rounds[2], ray, None),
        ):
            session.add(RoundEntry(round_id=round_id, entry_id=entry_id, advanced=advanced))
        for name, status in (
            ("jo", JudgeStatus.active),
            ("ian", JudgeStatus.invited),
            ("wen", JudgeStatus.withdrawn),
        ):
            session.add(
                Judge(
                    challenge_id=challenge.id,
                    user_id=ids[name],
                    email=address(name),
                    display_name=name.title(),
                    status=status,
                )
            )
            session.add(
                Membership(challenge_id=challenge.id, user_id=ids[name], role=ChallengeRole.judge)
            )
        session.add(
            Judge(
                challenge_id=challenge.id,
                email="no-account@example.org",
                display_name="No Account",
                status=JudgeStatus.active,
            )
        )
        for name, status in (
            ("vic", VoteStatus.counted),
            ("eli", VoteStatus.counted),
            ("hal", VoteStatus.held),
            ("dis", VoteStatus.discarded),
        ):
            session.add(
                Vote(
                    challenge_id=challenge.id,
                    entry_id=fay,
                    voter_id=ids[name],
                    status=status,
                    network="test-network",
                )
            )
        session.add(
            Entry(
                challenge_id=challenge.id,
                owner_id=None,
                channel=Channel.paper,
                submitter_name="Offline Entrant",
                title="On paper",
                status=EntryStatus.submitted,
                eligibility=Eligibility.eligible,
                submitted_at=utcnow(),
            )
        )
        deactivated = session.get(User, ids["gone"])
        assert deactivated is not None
        deactivated.is_active = False
        session.add(deactivated)
        session.commit()
        challenge_id = challenge.id
    # The setup's own mail (receipts, invitations, decisions) goes out before any broadcast.
    deliver_mail(app)
    mailbox.clear()
    return Call(app=app, org=org, people=people, challenge_id=challenge_id)


def _broadcast_mail(mailbox, subject: str) -> list[str]:
    return sorted(str(m["To"]) for m in mailbox.messages if m["Subject"] == subject)


def test_each_segment_reaches_exactly_its_people(app: FastAPI, mailbox) -> None:
    call = build_call(app, mailbox)
    for segment, names in EXPECTED.items():
        subject = f"News for {segment}"
        body = {"segment": segment, "subject": subject, "body": "Hello **all**."}
        preview = call.org.post(f"/api/challenges/{SLUG}/broadcasts/preview", json=body)
        assert preview.status_code == 200, preview.text
        assert (preview.json()["recipients"], preview.json()["sample"]) == (
            len(names),
            sorted(n.title() for n in names),
        )
        sent = call.org.post(f"/api/challenges/{SLUG}/broadcasts", json=body)
        assert sent.status_code == 201, sent.text
        assert (sent.json()["recipients"], sent.json()["pending"]) == (len(names), len(names))
        assert deliver_mail(app) == len(names)
        assert _broadcast_mail(mailbox, subject) == sorted(address(n) for n in names), segment
    listed = call.org.get(f"/api/challenges/{SLUG}/broadcasts").json()
    assert [
        (b["segment"], b["recipients"], b["sent"], b["pending"], b["failed"], b["not_mailed"])
        for b in listed["items"]
    ] == [(s, len(n), len(n), 0, 0, 0) for s, n in reversed(EXPECTED.items())]
    assert listed["items"][0]["created_by"] == "Olu Organiser"


def test_the_mail_the_preview_shows_and_the_notice(app: FastAPI, mailbox) -> None:
    call = build_call(app, mailbox)
    body = {
        "segment": "finalists",
        "subject": "Designathon on 3 May",
        "body": "Dear finalists,\n\nJoin us **in Lagos**. <script>alert(1)</script> "
        "[Programme](https://example.org/programme)",
    }
    preview = call.org.post(f"/api/challenges/{SLUG}/broadcasts/preview", json=body).json()
    assert (preview["recipients"], preview["sample"], preview["subject"]) == (
        2,
        ["Fay", "Ray"],
        "Designathon on 3 May",
    )
    assert "<strong>in Lagos</strong>" in preview["html"]
    assert "<script>" not in preview["html"]
    assert "&lt;script&gt;" in preview["html"]
    assert (
        '<a href="https://example.org/programme" rel="noopener noreferrer nofollow">'
        in (preview["html"])
    )
    assert "Join us **in Lagos**." in preview["text"]  # the text part, as written
    assert preview["text"].startswith("Hello Fay,\n")
    # Previewing stores nothing.
    with Session(app.state.engine) as session:
        assert session.exec(select(func.count()).select_from(Broadcast)).one() == 0

    assert call.org.post(f"/api/challenges/{SLUG}/broadcasts", json=body).status_code == 201
    deliver_mail(app)
    [mail] = mailbox.to(address("ray"))
    text = mail.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert text.startswith("Hello Ray,\n")
    assert "Join us **in Lagos**." in text and "<strong>in Lagos</strong>" in html
    assert "http://testserver/api/unsubscribe?token=" in text
    assert "http://testserver/api/unsubscribe?token=" in html
    assert "http://testserver/challenge.html?slug=hiv-testing" in text
    items = call.people["ray"].get("/api/me/notifications").json()["items"]
    [notice] = [n for n in items if n["kind"] == "broadcast"]
    assert (notice["kind"], notice["title"], notice["link"], notice["read"]) == (
        "broadcast",
        "Designathon on 3 May",
        "/challenge.html?slug=hiv-testing",
        False,
    )
    assert notice["body"].startswith("From the organisers of “HIV testing for young people”:")


def test_queued_again_the_same_broadcast_adds_nothing(app: FastAPI, mailbox) -> None:
    call = build_call(app, mailbox)
    body = {"segment": "eligible", "subject": "Once only", "body": "Once."}
    broadcast_id = call.org.post(f"/api/challenges/{SLUG}/broadcasts", json=body).json()["id"]

    def counts() -> tuple[int, int]:
        with Session(app.state.engine) as session:
            mails = session.exec(
                select(func.count()).where(col(OutboxMessage.broadcast_id) == broadcast_id)
            ).one()
            notices = session.exec(
                select(func.count()).where(col(Notification.title) == "Once only")
            ).one()
            return mails, notices

    assert counts() == (4, 4)
    with Session(app.state.engine) as session:
        broadcast = session.get(Broadcast, broadcast_id)
        challenge = session.get(Challenge, call.challenge_id)
        assert broadcast is not None and challenge is not None
        assert queue_broadcast(session, app.state.settings, challenge, broadcast) == 4
        session.commit()
    assert counts() == (4, 4)
    assert deliver_mail(app) == 4
    assert _broadcast_mail(mailbox, "Once only") == sorted(address(n) for n in EXPECTED["eligible"])


def test_opted_out_recipient_is_notified_not_mailed(app: FastAPI, mailbox) -> None:
    call = build_call(app, mailbox)
    r = call.people["fay"].put("/api/me/mail-preferences", json={"broadcast": False})
    assert r.status_code == 200, r.text
    body = {"segment": "finalists", "subject": "Quiet please", "body": "Shh."}
    sent = call.org.post(f"/api/challenges/{SLUG}/broadcasts", json=body).json()
    assert (sent["recipients"], sent["pending"], sent["not_mailed"]) == (2, 1, 1)
    deliver_mail(app)
    assert _broadcast_mail(mailbox, "Quiet please") == [address("ray")]
    items = call.people["fay"].get("/api/me/notifications").json()["items"]
    assert [n["title"] for n in items if n["kind"] == "broadcast"] == ["Quiet please"]


def test_sending_is_audited_and_an_empty_segment_is_refused(app: FastAPI, mailbox) -> None:
    org = client_for(app, "org@example.org", name="Olu Organiser")
    make_challenge(org)
    body = {"segment": "voters", "subject": "Thanks for voting", "body": "Thank you."}
    empty = org.post(f"/api/challenges/{SLUG}/broadcasts", json=body)
    assert (empty.status_code, empty.json()["error"]["field"]) == (409, "segment")
    submitted_entry(client_for(app, address("pia"), name="Pia"))
    body = {"segment": "all_entrants", "subject": "Deadline extended", "body": "By a week."}
    sent = org.post(f"/api/challenges/{SLUG}/broadcasts", json=body).json()
    events = org.get(f"/api/challenges/{SLUG}/audit", params={"action": "broadcast.send"}).json()
    [event] = events["items"]
    assert (event["actor"]["display_name"], event["object_type"], event["object_id"]) == (
        "Olu Organiser",
        "broadcast",
        sent["id"],
    )
    assert event["after"] == {
        "segment": "all_entrants",
        "subject": "Deadline extended",
        "recipients": 1,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"segment": "everyone", "subject": "S", "body": "B"}, "segment"),
        ({"segment": "judges", "subject": "Two\nlines", "body": "B"}, "subject"),
        ({"segment": "judges", "subject": "   ", "body": "B"}, "subject"),
        ({"segment": "judges", "subject": "S", "body": "  \n "}, "body"),
        ({"segment": "judges", "subject": "S" * 201, "body": "B"}, "subject"),
        ({"segment": "judges", "subject": "S", "body": "B", "to": "all"}, "to"),
    ],
)
def test_a_broadcast_that_is_not_well_formed_is_refused(
    app: FastAPI, body: dict, field: str
) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    for path in ("broadcasts/preview", "broadcasts"):
        r = org.post(f"/api/challenges/{SLUG}/{path}", json=body)
        assert (r.status_code, r.json()["error"]["field"]) == (422, field)
