"""Date-driven messages through a real SMTP server: each one's recipients, subject and key
facts; reminders that move with the deadline; nothing queued twice by two schedulers and a
restart; transactional messages sent the moment things happen."""

from __future__ import annotations

import threading
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlmodel import Session, col, func, select

from app.core.db import normalise_database_url, utcnow
from app.mail.schedule import schedule_due
from app.mail.sender import run_worker
from app.models import (
    Assignment,
    Challenge,
    Entry,
    MailPreference,
    Notification,
    OutboxMessage,
    Round,
    User,
)
from tests.conftest import deliver_mail
from tests.factories import COMPLETE, client_for, make_challenge, start_entry, submitted_entry
from tests.judging.world import judged_round
from tests.results.test_results import _contest

SLUG = "hiv-testing"


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def _about(mailbox: Any, address: str, words: str) -> list[EmailMessage]:
    """What `address` received whose subject has `words` (registration mail left aside)."""
    return [m for m in mailbox.to(address) if words in m["Subject"]]


def _set_deadline(app: FastAPI, moment: Any) -> None:
    with Session(app.state.engine) as session:
        challenge = session.exec(select(Challenge).where(Challenge.slug == SLUG)).one()
        challenge.closes_at = moment
        session.add(challenge)
        session.commit()


def _keys(app: FastAPI, prefix: str) -> list[str]:
    with Session(app.state.engine) as session:
        return sorted(
            k
            for k in session.exec(
                select(OutboxMessage.idempotency_key).where(
                    col(OutboxMessage.idempotency_key).startswith(prefix)
                )
            )
            if k
        )


def _schedule(app: FastAPI, **kwargs: Any) -> int:
    return schedule_due(app.state.engine, app.state.settings, **kwargs)


def _drafter_and_submitter(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, closes_in=timedelta(days=10))
    drafter = client_for(app, "ama@example.org", name="Ama")
    start_entry(drafter, body={"title": "Self-test kits at the market"})
    submitted_entry(client_for(app, "kofi@example.org", name="Kofi"))


def test_deadline_reminders_go_to_drafters_and_move_with_the_deadline(
    app: FastAPI, mailbox: Any
) -> None:
    _drafter_and_submitter(app)
    assert _keys(app, "deadline-") == []
    _schedule(app)
    assert _keys(app, "deadline-") == []  # ten days out: nothing yet

    # The deadline moves to five days from now: the 7-day reminder is due, to the drafter.
    five_days = (utcnow() + timedelta(days=5)).replace(microsecond=0)
    _set_deadline(app, five_days)
    _schedule(app)
    _schedule(app)  # a re-run adds nothing
    assert len(_keys(app, "deadline-7d:")) == 1
    deliver_mail(app)
    [mail] = _about(mailbox, "ama@example.org", "left to submit")
    assert mail["Subject"] == '7 days left to submit to "HIV testing for young people"'
    text = _text(mail)
    assert "Self-test kits at the market" in text and "Africa/Lagos time" in text
    assert mail["List-Unsubscribe"] and "unsubscribe?token=" in mail["List-Unsubscribe"]
    assert _about(mailbox, "kofi@example.org", "left") == []  # submitted: nothing to remind

    # Moved again, into its last day: the 24-hour reminder, for the new date.
    _set_deadline(app, utcnow() + timedelta(hours=20))
    _schedule(app)
    deliver_mail(app)
    subjects = [m["Subject"] for m in _about(mailbox, "ama@example.org", "left to submit")]
    assert subjects[1] == '24 hours left to submit to "HIV testing for young people"'
    assert len(subjects) == 2

    # Extended to four days: a new deadline, so its 7-day reminder goes again.
    _set_deadline(app, utcnow() + timedelta(days=4))
    _schedule(app)
    assert len(_keys(app, "deadline-7d:")) == 2
    # The person sees the same on their page.
    with Session(app.state.engine) as session:
        ama = session.exec(select(User).where(User.email == "ama@example.org")).one()
        titles = session.exec(
            select(Notification.title).where(Notification.user_id == ama.id)
        ).all()
    assert sum("left to submit" in t for t in titles) == 3


def test_two_schedulers_at_once_and_a_restart_queue_each_message_once(
    app: FastAPI, mailbox: Any
) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org, closes_in=timedelta(hours=12))
    for n in range(12):
        start_entry(client_for(app, f"p{n}@example.org"), body={"title": f"Draft {n}"})
    url = normalise_database_url(app.state.settings.database_url)
    engines = [create_engine(url) for _ in range(2)]

    def run(engine: Any) -> None:
        schedule_due(engine, app.state.settings)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Whatever one of them could not finish (SQLite lets one writer in), the next run does;
    # a restarted process (a new engine) then finds nothing left to queue.
    schedule_due(engines[0], app.state.settings)
    restarted = create_engine(url)
    assert schedule_due(restarted, app.state.settings) == 0
    for engine in (*engines, restarted):
        engine.dispose()

    keys = _keys(app, "deadline-24h:")
    assert len(keys) == len(set(keys)) == 12
    deliver_mail(app)
    for n in range(12):
        assert len(_about(mailbox, f"p{n}@example.org", "left to submit")) == 1


def test_an_opted_out_reminder_is_not_mailed_but_still_shown(app: FastAPI, mailbox: Any) -> None:
    _drafter_and_submitter(app)
    with Session(app.state.engine) as session:
        ama = session.exec(select(User).where(User.email == "ama@example.org")).one()
        session.add(MailPreference(user_id=ama.id, kind="deadline_reminder", enabled=False))
        session.commit()
        ama_id = ama.id
    _set_deadline(app, utcnow() + timedelta(days=3))
    _schedule(app)
    deliver_mail(app)
    assert _about(mailbox, "ama@example.org", "left to submit") == []
    with Session(app.state.engine) as session:
        assert session.exec(select(func.count()).where(Notification.user_id == ama_id)).one() == 1


def test_a_draft_left_alone_for_three_days_is_reminded_once(app: FastAPI, mailbox: Any) -> None:
    _drafter_and_submitter(app)
    with Session(app.state.engine) as session:
        entry = session.exec(
            select(Entry).where(Entry.title == "Self-test kits at the market")
        ).one()
        entry.updated_at = utcnow() - timedelta(days=4)
        session.add(entry)
        session.commit()
    _schedule(app)
    _schedule(app)
    deliver_mail(app)
    [mail] = _about(mailbox, "ama@example.org", "draft")
    assert mail["Subject"] == 'Your draft for "HIV testing for young people" is waiting'
    assert "Everything you typed is saved" in _text(mail)


def test_screening_decisions_are_told_at_once_with_the_reason(app: FastAPI, mailbox: Any) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    ama = client_for(app, "ama@example.org", name="Ama")
    entry = submitted_entry(ama)
    r = org.post(
        f"/api/entries/{entry['id']}/eligibility",
        json={"eligibility": "ineligible", "reason": "Outside the eligible countries"},
    )
    assert r.status_code == 200, r.text
    deliver_mail(app)
    [decision] = _about(mailbox, "ama@example.org", "eligible")
    assert decision["Subject"] == f"Your entry {entry['reference']} is not eligible"
    assert "Reason: Outside the eligible countries" in _text(decision)
    assert decision["List-Unsubscribe"] is None  # about one's own entry: always sent


def test_a_decision_in_french_for_a_french_speaker(app: FastAPI, mailbox: Any) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    ama = client_for(app, "ama@example.org", name="Ama")
    with Session(app.state.engine) as session:
        user = session.exec(select(User).where(User.email == "ama@example.org")).one()
        user.language = "fr-SN"
        session.add(user)
        session.commit()
    entry = submitted_entry(ama)
    r = org.post(f"/api/entries/{entry['id']}/eligibility", json={"eligibility": "eligible"})
    assert r.status_code == 200, r.text
    deliver_mail(app)
    [decision] = _about(mailbox, "ama@example.org", "recevable")
    assert decision["Subject"] == f"Votre participation {entry['reference']} est recevable"
    assert "passe à l'évaluation" in _text(decision)


def test_organisers_get_one_digest_a_day(app: FastAPI, mailbox: Any) -> None:
    org = client_for(app, "org@example.org", name="Olu")
    make_challenge(org, timezone="UTC")
    submitted_entry(client_for(app, "ama@example.org"))
    start_entry(client_for(app, "kofi@example.org"), body=COMPLETE)
    morning = utcnow().replace(hour=9, minute=0, second=0, microsecond=0)
    _schedule(app, now=morning)
    _schedule(app, now=morning + timedelta(hours=3))  # the same day: nothing more
    deliver_mail(app)
    digests = [m for m in mailbox.to("org@example.org") if "Today on" in m["Subject"]]
    assert len(digests) == 1
    text = _text(digests[0])
    assert "Waiting for screening: 1" in text and "(1 in all)" in text
    _schedule(app, now=morning + timedelta(days=1))
    deliver_mail(app)
    assert sum("Today on" in m["Subject"] for m in mailbox.to("org@example.org")) == 2


def _set_round_close(app: FastAPI, round_id: int, moment: Any) -> None:
    with Session(app.state.engine) as session:
        round_ = session.get(Round, round_id)
        assert round_ is not None
        round_.closes_at = moment
        session.add(round_)
        session.commit()


def test_judges_hear_when_a_round_opens_when_an_entry_is_theirs_later_and_when_cards_are_due(
    app: FastAPI, mailbox: Any
) -> None:
    w = judged_round(app, mailbox, entries=2, judges=("ada", "bo", "cy"), k=2)
    mailbox.clear()
    _schedule(app)
    deliver_mail(app)
    opened = {
        name: _about(mailbox, f"{name}@uni-{name}.edu", "is open") for name in ("ada", "bo", "cy")
    }
    with Session(app.state.engine) as session:
        pairs = set(
            session.exec(
                select(Assignment.judge_id, Assignment.entry_id).where(
                    Assignment.round_id == w.round_id
                )
            ).all()
        )
    counts = {name: sum(j == w.judge_ids[name] for j, _e in pairs) for name in opened}
    for name, mails in opened.items():
        if counts[name]:
            [mail] = mails
            assert mail["Subject"] == (
                f'Round 1 of "HIV testing for young people" is open: {counts[name]} '
                f"entr{'ies' if counts[name] != 1 else 'y'} for you"
            )
        else:
            assert mails == []

    # A conflict takes an entry from one judge; the judge it goes to hears about it alone.
    conflicted, entry_id = next(
        (name, e) for name in ("ada", "bo", "cy") for j, e in pairs if j == w.judge_ids[name]
    )
    r = w.org.post(
        f"/api/challenges/{SLUG}/conflicts",
        json={"judge_id": w.judge_ids[conflicted], "entry_id": entry_id, "reason": "Co-author"},
    )
    assert r.status_code == 201, r.text
    [receiver] = [
        n
        for n in ("ada", "bo", "cy")
        if n != conflicted and (w.judge_ids[n], entry_id) not in pairs
    ]
    _schedule(app)
    _schedule(app)
    deliver_mail(app)
    [given] = _about(mailbox, f"{receiver}@uni-{receiver}.edu", "An entry to score")
    assert "another judge can no longer score it" in _text(given)

    # Two days before the round closes, each judge with cards still due is reminded.
    _set_round_close(app, w.round_id, utcnow() + timedelta(days=2))
    _schedule(app)
    _schedule(app)
    deliver_mail(app)
    with Session(app.state.engine) as session:
        holding = set(
            session.exec(select(Assignment.judge_id).where(Assignment.round_id == w.round_id)).all()
        )
    for name in ("ada", "bo", "cy"):
        reminders = _about(mailbox, f"{name}@uni-{name}.edu", "due for")
        assert len(reminders) == (1 if w.judge_ids[name] in holding else 0), name


def test_voting_open_and_results_reach_each_entrant_once(app: FastAPI, mailbox: Any) -> None:
    w = _contest(app, mailbox)  # four entries by one entrant; voting open; judged
    mailbox.clear()
    _schedule(app)
    _schedule(app)
    deliver_mail(app)
    [voting] = _about(mailbox, "p@example.org", "Public voting is open")
    assert "ballot.html?slug=hiv-testing" in _text(voting)

    assert w.org.post(f"/api/challenges/{SLUG}/awards/propose").status_code == 200
    assert w.org.post(f"/api/challenges/{SLUG}/results/publish", json={}).status_code == 200
    _schedule(app)
    _schedule(app)
    deliver_mail(app)
    results = _about(mailbox, "p@example.org", "Results of")
    assert len(results) == 4
    texts = [_text(m) for m in results]
    assert sum("is recognised: Winner" in t for t in texts) == 1
    assert all("results.html?slug=hiv-testing" in t for t in texts)


def test_the_worker_schedules_what_is_due_and_sends_it(app: FastAPI, mailbox: Any) -> None:
    _drafter_and_submitter(app)
    _set_deadline(app, utcnow() + timedelta(days=3))
    run_worker(app.state.engine, app.state.settings, once=True)
    [mail] = _about(mailbox, "ama@example.org", "left to submit")
    assert mail["Subject"].startswith("7 days left")
    run_worker(app.state.engine, app.state.settings, once=True)  # a restart: nothing again
    assert len(_about(mailbox, "ama@example.org", "left to submit")) == 1
