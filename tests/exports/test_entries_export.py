"""The entries export: header and rows of a small contest worked by hand, awkward answers
surviving the round trip, the byte-order mark on request, and who may download it."""

from __future__ import annotations

import csv
import io
import re

from fastapi import FastAPI

from tests.factories import COMPLETE, FORM, anonymous, client_for, make_challenge, start_entry

SLUG = "hiv-testing"
HEADER = [
    "entry_id",
    "reference",
    "status",
    "eligibility",
    "eligibility_reason",
    "channel",
    "category",
    "language",
    "title",
    "summary",
    "licence",
    "country",
    "income_group",
    "participant_id",
    "participant_name",
    "participant_email",
    "submitter_name",
    "submitter_contact",
    "created_at",
    "submitted_at",
    "updated_at",
    "withdrawn_at",
    # The factory's form, in its order.
    "answer_idea",
    "answer_country",
    "answer_budget",
    "answer_consent",
    "answer_gender",
    "answer_poster",
]
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"0" * 1000


def _table(body: bytes) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(body.decode("utf-8"), newline=""))
    assert reader.fieldnames == HEADER
    return list(reader)


def test_the_entries_table_row_by_row(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    ama = client_for(app, "ama@example.org", name='Ama "Kofi", Mensah')
    first = start_entry(
        ama,
        body={
            **COMPLETE,
            "title": '=HYPERLINK("http://evil")',
            "summary": "Line one\nline two, with a comma",
            "answers": {
                **COMPLETE["answers"],
                "idea": "فريق الصحة المجتمعية يوزع الأدوات",
                "budget": {"amount": 1500.5, "currency": "GBP"},
                "gender": "Woman",
            },
        },
    )
    r = ama.post(
        f"/api/entries/{first['id']}/attachments",
        params={"field": "poster", "filename": "poster one.pdf"},
        content=PDF,
    )
    assert r.status_code == 201, r.text
    assert ama.post(f"/api/entries/{first['id']}/submit").status_code == 200
    r = org.post(
        f"/api/entries/{first['id']}/eligibility",
        json={"eligibility": "ineligible", "reason": "Incomplete"},
    )
    assert r.status_code == 200, r.text
    kofi = client_for(app, "kofi@example.org", name="Kofi")
    draft = start_entry(kofi, body={"title": "Half-written", "answers": {"country": "GB"}})

    r = org.get(f"/api/challenges/{SLUG}/exports/entries.csv")

    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == f'attachment; filename="{SLUG}-entries.csv"'
    assert not r.content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in r.content
    one, two = _table(r.content)
    assert {k: one[k] for k in HEADER if not k.endswith("_at") and k != "reference"} == {
        "entry_id": str(first["id"]),
        "status": "submitted",
        "eligibility": "ineligible",
        "eligibility_reason": "Incomplete",
        "channel": "web",
        "category": "Community",
        "language": "",
        "title": '\'=HYPERLINK("http://evil")',
        "summary": "Line one\nline two, with a comma",
        "licence": one["licence"],
        "country": "NG",
        "income_group": "Lower middle income",
        "participant_id": one["participant_id"],
        "participant_name": 'Ama "Kofi", Mensah',
        "participant_email": "ama@example.org",
        "submitter_name": "",
        "submitter_contact": "",
        "answer_idea": "فريق الصحة المجتمعية يوزع الأدوات",
        "answer_country": "NG",
        "answer_budget": "1500.5",
        "answer_consent": "true",
        "answer_gender": "Woman",
        "answer_poster": "poster one.pdf",
    }
    assert one["reference"].startswith("HIV-")
    assert one["submitted_at"].endswith("Z") and one["created_at"].endswith("Z")
    assert one["withdrawn_at"] == ""
    assert (two["entry_id"], two["status"], two["eligibility"]) == (
        str(draft["id"]),
        "draft",
        "pending",
    )
    assert (two["title"], two["country"], two["income_group"]) == (
        "Half-written",
        "GB",
        "High income",
    )
    assert (two["reference"], two["submitted_at"], two["answer_poster"]) == ("", "", "")


def test_bom_on_request_and_an_empty_table(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    r = org.get(f"/api/challenges/{SLUG}/exports/entries.csv", params={"bom": "true"})
    assert r.status_code == 200
    assert r.content.startswith("\ufeff".encode())
    assert _table(r.content.removeprefix("\ufeff".encode())) == []


def test_only_the_calls_organisers_may_download_it(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    path = f"/api/challenges/{SLUG}/exports/entries.csv"
    assert anonymous(app).get(path).status_code == 401
    assert client_for(app, "someone@example.org").get(path).status_code == 403
    other = client_for(app, "org2@example.org")
    make_challenge(other, "other-call")
    assert other.get(path).status_code == 403
    assert other.get("/api/challenges/other-call/exports/entries.csv").status_code == 200
    assert client_for(app, "admin@example.org", admin=True).get(path).status_code == 200


def test_the_anonymised_table_names_no_one(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    school = {"key": "school", "type": "short_text", "label": "School", "identifying": True}
    make_challenge(org, form=[*FORM, school], max_entries_per_participant=3)
    canary = "CANARY-7f3a-school"
    ama = client_for(app, "ama.mensah@example.org", name="Ama Mensah")
    body = {**COMPLETE, "answers": {**COMPLETE["answers"], "school": canary}}
    mine = [start_entry(ama, body=body)["id"] for _ in range(2)]
    kofi = client_for(app, "kofi.boateng@example.org", name="Kofi Boateng")
    theirs = start_entry(kofi, body=body)["id"]

    r = org.get(f"/api/challenges/{SLUG}/exports/entries.csv", params={"anonymised": "true"})

    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].endswith('-entries-anonymised.csv"')
    text = r.content.decode()
    for secret in ("Ama", "Mensah", "Kofi", "Boateng", "@example.org", canary):
        assert secret not in text
    reader = csv.DictReader(io.StringIO(text, newline=""))
    expected = [
        c if c != "participant_id" else "participant"
        for c in HEADER
        if c not in {"participant_name", "participant_email", "submitter_name", "submitter_contact"}
    ]
    assert reader.fieldnames == expected  # the identifying question's column is left out
    rows = {int(row["entry_id"]): row["participant"] for row in reader}
    assert set(rows) == {*mine, theirs}
    assert all(re.fullmatch(r"P-[0-9a-f]{12}", p) for p in rows.values())
    assert rows[mine[0]] == rows[mine[1]] != rows[theirs]
    # Stable: the same pseudonyms in the next download.
    again = org.get(f"/api/challenges/{SLUG}/exports/entries.csv", params={"anonymised": "true"})
    assert again.content == r.content


def test_the_codebook_describes_every_column(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    make_challenge(org)
    r = org.get(f"/api/challenges/{SLUG}/exports/codebook.csv")
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.content.decode(), newline="")))
    assert [row["column"] for row in rows if row["table"] == "entries"] == HEADER
    by_column = {row["column"]: row for row in rows if row["table"] == "entries"}
    assert by_column["answer_gender"]["type"] == "Woman | Man | Non-binary | Prefer not to say"
    assert by_column["answer_budget"]["meaning"] == "Budget (amount in GBP)"
    assert by_column["submitted_at"]["type"] == "datetime"
    assert all(row["meaning"] for row in rows)
    assert [row["column"] for row in rows if row["table"] == "votes"][:3] == [
        "vote_id",
        "entry_id",
        "reference",
    ]
    shared = [row["column"] for row in rows if row["table"] == "entries-anonymised"]
    assert "participant" in shared and "participant_email" not in shared
    entries = org.get(f"/api/challenges/{SLUG}/exports/entries.csv", params={"anonymised": "true"})
    assert entries.content.decode().split("\r\n", 1)[0] == ",".join(shared)
