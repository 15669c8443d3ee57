"""Importing entries from a CSV file: the preview names every problem by row, column and
why; the import is all or nothing; imported entries are submitted entries like any other
(references, revisions, audit, the entries export), taken for their offline channel."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.core.db import utcnow
from app.main import create_app
from tests.conftest import deliver_mail, empty_database, make_settings
from tests.factories import COMPLETE, client_for, make_challenge, start_entry

PREVIEW = "/api/challenges/hiv-testing/imports/preview"
IMPORT = "/api/challenges/hiv-testing/imports"
HEADER = [
    "Title",
    "Summary",
    "Category",
    "Name",
    "Contact",
    "Your idea",
    "Country",
    "Budget",
    "Consent",
    "Gender",
    "Licence agreed",
]
MAPPING = {
    "Title": "title",
    "Summary": "summary",
    "Category": "category",
    "Name": "submitter_name",
    "Contact": "submitter_contact",
    "Your idea": "answer:idea",
    "Country": "answer:country",
    "Budget": "answer:budget",
    "Consent": "answer:consent",
    "Gender": "answer:gender",
    "Licence agreed": "licence",
}
KIOSKS = [
    "Clinic kiosks",
    "Kiosks by the pharmacy.",
    "clinic",
    "Bola Ade",
    "bola@example.org",
    "Kiosks near the pharmacy.",
    "Nigeria",
    "1,250.50",
    "yes",
    "woman",
    "Yes",
]
RADIO = [
    "Radio drama",
    "A weekly drama on local radio.",
    "Community",
    "Chidi",
    "+234 803 000 0000",
    "Drama on local radio.",
    "gh",
    "",
    "x",
    "",
    "yes",
]


def _csv(rows: list[list[str]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def _preview(
    client: TestClient, data: bytes, mapping: dict[str, Any] | None = None, name: str = "e.csv"
):
    return client.post(
        PREVIEW,
        files={"file": (name, data, "text/csv")},
        data={"mapping": json.dumps(mapping)} if mapping is not None else {},
    )


def _import(
    client: TestClient,
    data: bytes,
    mapping: dict[str, Any] | None = MAPPING,
    channel: str | None = "paper",
    name: str = "drop-box.csv",
):
    form = {"mapping": json.dumps(mapping)} if mapping is not None else {}
    if channel is not None:
        form["channel"] = channel
    return client.post(IMPORT, files={"file": (name, data, "text/csv")}, data=form)


def _counts(org: TestClient) -> dict[str, int]:
    return org.get("/api/challenges/hiv-testing/entries/counts").json()


def _events(org: TestClient, action: str) -> list[dict[str, Any]]:
    r = org.get("/api/challenges/hiv-testing/audit", params={"action": action, "limit": 200})
    assert r.status_code == 200, r.text
    return r.json()["items"]


@pytest.fixture
def org(app: FastAPI) -> TestClient:
    organiser = client_for(app, "org@example.org", name="Olu Organiser")
    make_challenge(organiser)
    return organiser


def test_a_good_file_imports_exactly_its_rows(app: FastAPI, org: TestClient, mailbox) -> None:
    data = _csv([HEADER, KIOSKS, [""] * len(HEADER), RADIO])
    preview = _preview(org, data)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (body["file_name"], body["sha256"], body["delimiter"]) == (
        "e.csv",
        hashlib.sha256(data).hexdigest(),
        ",",
    )
    assert body["columns"] == HEADER
    assert body["samples"] == dict(zip(HEADER, KIOSKS, strict=True))
    assert body["mapping"] == MAPPING  # suggested from the headers
    assert [t["key"] for t in body["targets"]] == [
        "title",
        "summary",
        "category",
        "submitter_name",
        "submitter_contact",
        "licence",
        "answer:idea",
        "answer:country",
        "answer:budget",
        "answer:consent",
        "answer:gender",
    ]
    assert [(s["key"], s["label"]) for s in body["not_importable"]] == [("answer:poster", "Poster")]
    assert (body["row_count"], body["errors"], body["import_blocked"]) == (2, [], None)
    # The blank row 3 is left out; the rows keep the spreadsheet's numbers.
    assert body["rows"] == [
        {
            "row": 2,
            "values": {
                "title": "Clinic kiosks",
                "summary": "Kiosks by the pharmacy.",
                "category": "Clinic",
                "submitter_name": "Bola Ade",
                "submitter_contact": "bola@example.org",
                "answer:idea": "Kiosks near the pharmacy.",
                "answer:country": "NG",
                "answer:budget": {"amount": 1250.5, "currency": "GBP"},
                "answer:consent": True,
                "answer:gender": "Woman",
                "licence": True,
            },
        },
        {
            "row": 4,
            "values": {
                "title": "Radio drama",
                "summary": "A weekly drama on local radio.",
                "category": "Community",
                "submitter_name": "Chidi",
                "submitter_contact": "+234 803 000 0000",
                "answer:idea": "Drama on local radio.",
                "answer:country": "GH",
                "answer:budget": None,
                "answer:consent": True,
                "answer:gender": None,
                "licence": True,
            },
        },
    ]

    r = _import(org, data, channel="drop_box")
    assert r.status_code == 201, r.text
    result = r.json()
    assert (result["imported"], result["channel"]) == (2, "drop_box")
    assert [(e["row"], e["reference"]) for e in result["entries"]] == [
        (2, "HIV-0001"),
        (4, "HIV-0002"),
    ]
    kiosks = org.get(f"/api/entries/{result['entries'][0]['id']}").json()
    assert {
        k: kiosks[k]
        for k in (
            "status",
            "eligibility",
            "channel",
            "owner",
            "submitter_name",
            "submitter_contact",
            "title",
            "category",
            "answers",
            "licence_accepted",
            "licence",
            "problems",
            "rule_outcomes",
            "reference",
        )
    } == {
        "status": "submitted",
        "eligibility": "pending",
        "channel": "drop_box",
        "owner": None,
        "submitter_name": "Bola Ade",
        "submitter_contact": "bola@example.org",
        "title": "Clinic kiosks",
        "category": "Clinic",
        "answers": {
            "idea": "Kiosks near the pharmacy.",
            "country": "NG",
            "budget": {"amount": 1250.5, "currency": "GBP"},
            "consent": True,
            "gender": "Woman",
        },
        "licence_accepted": True,
        "licence": "CC-BY-4.0",
        "problems": [],
        "rule_outcomes": [],
        "reference": "HIV-0001",
    }
    assert kiosks["submitted_at"] is not None
    revisions = org.get(f"/api/entries/{kiosks['id']}/revisions").json()
    assert [(v["number"], v["kind"], v["author"]["display_name"]) for v in revisions] == [
        (1, "submit", "Olu Organiser")
    ]
    assert revisions[0]["snapshot"]["answers"] == kiosks["answers"]
    # Imported entries count and are staff-changeable like entries typed in by hand.
    assert (_counts(org)["submitted"], _counts(org)["pending"]) == (2, 2)
    assert org.patch(f"/api/entries/{kiosks['id']}", json={"title": "Kiosks"}).status_code == 200
    [event] = _events(org, "entries.import")
    assert (event["object_type"], event["actor"]["display_name"]) == ("challenge", "Olu Organiser")
    assert event["after"] == {
        "count": 2,
        "channel": "drop_box",
        "file_name": "drop-box.csv",
        "sha256": hashlib.sha256(data).hexdigest(),
        "references": ["HIV-0001", "HIV-0002"],
    }
    submits = sorted(_events(org, "entry.submit"), key=lambda e: e["object_id"])
    assert [(e["object_id"], e["after"], e["reason"]) for e in submits] == [
        (
            result["entries"][0]["id"],
            {"status": "submitted", "reference": "HIV-0001", "channel": "drop_box"},
            "Imported from drop-box.csv, row 2",
        ),
        (
            result["entries"][1]["id"],
            {"status": "submitted", "reference": "HIV-0002", "channel": "drop_box"},
            "Imported from drop-box.csv, row 4",
        ),
    ]
    # No receipts: people who entered offline have no account; staff hand out references.
    deliver_mail(app)
    assert mailbox.to("bola@example.org") == []
    # The next web entry takes the next reference.
    p = client_for(app, "p@example.org")
    entry = start_entry(p, body=COMPLETE)
    assert p.post(f"/api/entries/{entry['id']}/submit").json()["reference"] == "HIV-0003"


def test_one_bad_row_is_previewed_with_every_problem_and_nothing_is_imported(
    org: TestClient,
) -> None:
    bad = [
        "",
        "Ideas",
        "Hospital",
        "",
        "",
        "word " * 60,
        "Atlantis",
        "lots",
        "no",
        "Robot",
        "no",
    ]
    data = _csv([HEADER, KIOSKS, bad, RADIO])
    body = _preview(org, data, MAPPING).json()
    expected = [
        {
            "row": 3,
            "column": "Title",
            "field": "title",
            "message": "is required, and this cell is empty: write the entry's title.",
        },
        {
            "row": 3,
            "column": "Category",
            "field": "category",
            "message": "must be one of the call's categories: write one of: Community, Clinic.",
        },
        {
            "row": 3,
            "column": "Name",
            "field": "submitter_name",
            "message": "is required, and this cell is empty: write the name of the person "
            "who sent the entry.",
        },
        {
            "row": 3,
            "column": "Your idea",
            "field": "answer:idea",
            "message": "must be at most 50 words (it has 60).",
        },
        {
            "row": 3,
            "column": "Country",
            "field": "answer:country",
            "message": "must be a country from the list: write a country's name or its "
            "two-letter code, such as NG.",
        },
        {
            "row": 3,
            "column": "Budget",
            "field": "answer:budget",
            "message": "must be an amount with its currency: write an amount in GBP, such as "
            "1250.50.",
        },
        {
            "row": 3,
            "column": "Consent",
            "field": "answer:consent",
            "message": "must be ticked: write yes.",
        },
        {
            "row": 3,
            "column": "Gender",
            "field": "answer:gender",
            "message": "must be one of the choices: write one of: Woman, Man, Non-binary, "
            "Prefer not to say.",
        },
        {
            "row": 3,
            "column": "Licence agreed",
            "field": "licence",
            "message": "must be yes: entries are shared under CC-BY-4.0, and only those whose "
            "entrant agreed to that can be imported.",
        },
    ]
    assert (body["row_count"], body["errors"]) == (3, expected)
    before = _counts(org)
    refused = _import(org, data)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("import_invalid", "title")
    assert error["message"] == (
        "Nothing was imported: 9 problems in 1 row of the file. Row 3, column “Title”: "
        "is required, and this cell is empty: write the entry's title."
    )
    assert error["details"] == expected
    assert (
        _counts(org)
        == before
        == {
            "draft": 0,
            "submitted": 0,
            "withdrawn": 0,
            "pending": 0,
            "eligible": 0,
            "ineligible": 0,
        }
    )
    assert _events(org, "entries.import") == []
    # The refused import handed out no references: the fixed file starts at HIV-0001.
    fixed = _import(org, _csv([HEADER, KIOSKS, RADIO]))
    assert [e["reference"] for e in fixed.json()["entries"]] == ["HIV-0001", "HIV-0002"]


def test_a_semicolon_file_with_a_byte_order_mark_and_decimal_commas(org: TestClient) -> None:
    row = [*KIOSKS[:7], "1.250,50", *KIOSKS[8:]]
    data = _csv([HEADER, row], delimiter=";", bom=True)
    body = _preview(org, data).json()
    assert (body["delimiter"], body["columns"], body["errors"]) == (";", HEADER, [])
    assert body["rows"][0]["values"]["answer:budget"] == {"amount": 1250.5, "currency": "GBP"}
    r = _import(org, data, channel="email")
    assert r.status_code == 201, r.text
    entry = org.get(f"/api/entries/{r.json()['entries'][0]['id']}").json()
    assert (entry["title"], entry["channel"], entry["answers"]["budget"]) == (
        "Clinic kiosks",
        "email",
        {"amount": 1250.5, "currency": "GBP"},
    )


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (
            "Title,Summary\r\nCafé,x\r\n".encode("latin-1"),
            "not_utf8",
            "file: is not UTF-8 text (line 2 has the first character that is not): save it "
            "from your spreadsheet as “CSV UTF-8” and upload that file.",
        ),
        (
            "Title,Summary\r\nA,b\r\n".encode("utf-16"),
            "not_utf8",
            "file: is UTF-16 text, not UTF-8: save it from your spreadsheet as “CSV UTF-8” and "
            "upload that file.",
        ),
        (
            b"PK\x03\x04\x14\x00\x06\x00",
            "not_csv",
            "file: is a spreadsheet workbook (such as .xlsx), not a CSV file: save it from your "
            "spreadsheet as “CSV UTF-8” and upload that file.",
        ),
        (
            b"\xef\xbb\xbf\r\n",
            "empty_file",
            "file: is empty: it needs a header row naming the columns, then one row per entry.",
        ),
        (
            b"Title,Summary\r\n,\r\n",
            "empty_file",
            "file: has a header row but no entries under it.",
        ),
        (
            b'Title,Summary\r\nA,"b"c\r\n',
            "bad_csv",
            "file: row 2 is not valid CSV (',' expected after '\"'): a cell holding the "
            "separator, a quote or a line break must be in double quotes, with each quote "
            'inside doubled ("").',
        ),
        (
            b"Title,Summary\r\nA,b\r\nB," + b"x" * 140_000 + b"\r\n",
            "bad_csv",
            "file: row 3 has a cell longer than 131,072 characters, more than any field takes: "
            "shorten it.",
        ),
    ],
    ids=["latin-1", "utf-16", "workbook", "empty", "header-only", "bad-quotes", "huge-cell"],
)
def test_a_file_that_is_not_a_readable_table_is_refused_whole(
    org: TestClient, data: bytes, code: str, message: str
) -> None:
    for r in (_preview(org, data), _import(org, data)):
        assert r.status_code == 422
        error = r.json()["error"]
        assert (error["code"], error["field"], error["message"]) == (code, "file", message)
    assert _counts(org)["submitted"] == 0


@pytest.fixture
def small_app(database_url: str, smtp_server, tmp_path: Path) -> Iterator[FastAPI]:
    """An app whose imports take at most 3 rows and 4,000 bytes."""
    controller, _ = smtp_server
    settings = make_settings(
        database_url,
        controller.port,
        upload_dir=str(tmp_path / "uploads"),
        import_max_bytes=4000,
        import_max_rows=3,
    )
    application = create_app(settings)
    yield application
    empty_database(application.state.engine)
    application.state.engine.dispose()


def _multipart(data: bytes, boundary: str = "opencall-test") -> bytes:
    return (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )


def test_too_large_and_too_long_files_are_refused(small_app: FastAPI) -> None:
    org = client_for(small_app, "org@example.org")
    make_challenge(org)
    big = _csv([HEADER] + [KIOSKS] * 40)
    assert 4000 < len(big) < 4000 + 64 * 1024  # within the form's allowance: the file's own size
    r = _preview(org, big)
    error = r.json()["error"]
    assert (r.status_code, error["code"], error["field"], error["message"]) == (
        413,
        "file_too_large",
        "file",
        "The file is larger than 0.004 MB, the limit for one import: split it into several files.",
    )
    # Sent in chunks with no length declared, it is stopped as it streams.
    huge = _multipart(b"Title\r\n" + b"x" * 200_000)
    chunks = (huge[i : i + 8192] for i in range(0, len(huge), 8192))
    r = org.post(
        IMPORT,
        content=chunks,
        headers={"Content-Type": "multipart/form-data; boundary=opencall-test"},
    )
    assert (r.status_code, r.json()["error"]["code"]) == (413, "file_too_large")
    too_long = _csv([HEADER] + [["T", "S"] + [""] * 9] * 4)
    r = _preview(org, too_long)
    assert r.status_code == 422
    assert r.json()["error"]["message"] == (
        "file: has more than 3 entries (rows under the header); an import takes at most 3: "
        "split the file and import each part."
    )
    assert _counts(org)["submitted"] == 0


def test_a_file_over_the_json_body_limit_is_taken(org: TestClient) -> None:
    long_summary = "A clinic kiosk. " * 1200  # 19,200 characters, under the summary's limit
    rows = [[*KIOSKS[:1], long_summary, *KIOSKS[2:]]] * 60
    data = _csv([HEADER, *rows])
    assert len(data) > 1_000_000  # OPENCALL_MAX_JSON_BYTES
    body = _preview(org, data).json()
    assert (body["row_count"], len(body["rows"]), body["errors"]) == (60, 50, [])


def test_the_channel_must_be_an_offline_one(org: TestClient) -> None:
    data = _csv([HEADER, KIOSKS])
    for channel, message in [
        (
            "web",
            "channel: must be one of email, paper, whatsapp, sms, in_person, drop_box (web "
            "entries come in through the site)",
        ),
        (
            None,
            "channel: is required: say how these entries came in (email, paper, whatsapp, sms, "
            "in_person, drop_box)",
        ),
    ]:
        r = _import(org, data, channel=channel)
        assert r.status_code == 422
        assert (r.json()["error"]["field"], r.json()["error"]["message"]) == ("channel", message)
    r = _import(org, data, mapping=None)
    assert (r.status_code, r.json()["error"]["field"]) == (422, "mapping")
    r = org.post(
        IMPORT,
        files={"file": ("e.csv", data, "text/csv")},
        data={"mapping": "[1, 2]", "channel": "paper"},
    )
    assert (r.status_code, r.json()["error"]["field"]) == (422, "mapping")
    r = org.post(IMPORT, json={"channel": "paper"})
    assert (r.status_code, r.json()["error"]["code"]) == (415, "unsupported_media_type")
    r = org.post(IMPORT, data={"channel": "paper"}, files={"other": ("x.txt", b"x", "text/plain")})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "file")
    assert _counts(org)["submitted"] == 0


def test_mapping_problems_are_named_once_on_the_header(org: TestClient) -> None:
    data = _csv([HEADER, KIOSKS, RADIO])
    mapping = {
        **MAPPING,
        "Country": None,
        "Summary": "title",
        "Gender": "answer:poster",
        "Contact": "phone",
        "Ghost": "summary",
    }
    body = _preview(org, data, mapping).json()
    assert body["mapping"]["Country"] is None
    assert body["errors"] == [
        {
            "row": 1,
            "column": "Ghost",
            "field": "summary",
            "message": "the file has no column named “Ghost”: map this file's columns.",
        },
        {
            "row": 1,
            "column": None,
            "field": "summary",
            "message": "Summary is needed for every entry, and no column is mapped to it: map "
            "a column to it (add one to the file if it has none).",
        },
        {
            "row": 1,
            "column": None,
            "field": "answer:country",
            "message": "Country where the idea was conceived is needed for every entry, and no "
            "column is mapped to it: map a column to it (add one to the file if it has none).",
        },
        {
            "row": 1,
            "column": "Summary",
            "field": "title",
            "message": "column “Title” is mapped to Title already: map one column to each field.",
        },
        {
            "row": 1,
            "column": "Contact",
            "field": "phone",
            "message": "“phone” is not a field of this call's entries: choose a target.",
        },
        {
            "row": 1,
            "column": "Gender",
            "field": "answer:poster",
            "message": "takes files, which a CSV file cannot carry: leave this column out.",
        },
    ]
    r = _import(org, data, mapping)
    assert (r.status_code, r.json()["error"]["details"]) == (422, body["errors"])
    assert _counts(org)["submitted"] == 0


def test_rows_with_the_wrong_number_of_cells(org: TestClient) -> None:
    data = _csv([HEADER, [*KIOSKS, "", ""], [*KIOSKS[:5], "Kiosks, near", *KIOSKS[5:]], RADIO[:4]])
    body = _preview(org, data).json()
    assert body["errors"] == [
        {
            "row": 3,
            "column": None,
            "field": None,
            "message": "has 12 cells where the header has 11 columns: a cell holding “,” must "
            "be in double quotes, and no cell may be left out.",
        },
        {
            "row": 4,
            "column": None,
            "field": None,
            "message": "has 4 cells where the header has 11 columns: a cell holding “,” must be "
            "in double quotes, and no cell may be left out.",
        },
    ]


def test_names_with_commas_quotes_line_breaks_and_other_scripts_survive(
    org: TestClient,
) -> None:
    people = [
        ('Ngozi "Zee", Okafor', "Kiosks,\nby the pharmacy", "Ideas; with a semicolon"),
        ("Nguyễn Thị Minh", "Tiếng Việt", "Một ý tưởng"),
        ("أمينة", "فكرة جديدة", "نص عربي"),
        ("王芳", "你好，世界", "中文摘要"),
        ("अनीता", "नमस्ते", "हिन्दी सारांश"),
        ("=SUM(A1)", "+Title", "@summary"),
    ]
    rows = [
        [title, summary, "Community", name, "", "An idea.", "KE", "", "yes", "", "yes"]
        for name, title, summary in people
    ]
    data = _csv([HEADER, *rows])
    r = _import(org, data, channel="whatsapp")
    assert r.status_code == 201, r.text
    stored = [org.get(f"/api/entries/{e['id']}").json() for e in r.json()["entries"]]
    assert [(e["submitter_name"], e["title"], e["summary"]) for e in stored] == people
    export = org.get("/api/challenges/hiv-testing/exports/entries.csv")
    assert export.status_code == 200
    table = list(csv.DictReader(io.StringIO(export.text, newline="")))
    assert sorted(
        (t["reference"], t["channel"], t["submitter_name"], t["title"]) for t in table
    ) == [
        ("HIV-0001", "whatsapp", 'Ngozi "Zee", Okafor', "Kiosks,\nby the pharmacy"),
        ("HIV-0002", "whatsapp", "Nguyễn Thị Minh", "Tiếng Việt"),
        ("HIV-0003", "whatsapp", "أمينة", "فكرة جديدة"),
        ("HIV-0004", "whatsapp", "王芳", "你好，世界"),
        ("HIV-0005", "whatsapp", "अनीता", "नमस्ते"),
        # The export marks cells a spreadsheet would run as formulas.
        ("HIV-0006", "whatsapp", "'=SUM(A1)", "'+Title"),
    ]


def test_choices_numbers_dates_and_eligibility_rules(app: FastAPI) -> None:
    org = client_for(app, "org@example.org")
    form = [
        {
            "key": "topics",
            "type": "multi_choice",
            "label": "Topics",
            "required": True,
            "config": {"choices": ["Testing", "Stigma", "Access"], "max_choices": 2},
        },
        {"key": "age", "type": "number", "label": "Age", "config": {"integer": True, "min": 10}},
        {"key": "born", "type": "date", "label": "Date of birth"},
        {"key": "where", "type": "country", "label": "Where"},
    ]
    make_challenge(
        org,
        form=form,
        categories=[],
        eligibility_rules=[{"kind": "country_in", "field": "where", "countries": ["NG", "GH"]}],
    )
    header = ["Title", "Summary", "Name", "Licence", "Topics", "Age", "Date of birth", "Where"]
    good = [
        "Kits",
        "Kits for all",
        "Ada",
        "yes",
        "testing; ACCESS",
        "17",
        "2008-05-01 00:00",
        "NGA",
    ]
    bad = ["Talks", "Talks", "Ben", "CC-BY-4.0", "Testing;Testing", "12.5", "01/05/2008", "Kenya"]
    worse = ["Radio", "Radio", "Chi", "yes", "Testing; Stigma; Access", "9", "2008-02-30", ""]
    body = _preview(org, _csv([header, good, bad, worse])).json()
    assert body["mapping"] == {
        "Title": "title",
        "Summary": "summary",
        "Name": "submitter_name",
        "Licence": "licence",
        "Topics": "answer:topics",
        "Age": "answer:age",
        "Date of birth": "answer:born",
        "Where": "answer:where",
    }
    assert body["rows"][0]["values"] == {
        "title": "Kits",
        "summary": "Kits for all",
        "submitter_name": "Ada",
        "licence": True,
        "answer:topics": ["Testing", "Access"],
        "answer:age": 17,
        "answer:born": "2008-05-01",
        "answer:where": "NG",
    }
    assert [(e["row"], e["column"], e["message"]) for e in body["errors"]] == [
        (3, "Topics", "lists each choice once."),
        (3, "Age", "must be a whole number."),
        (3, "Date of birth", "must be a date as YYYY-MM-DD."),
        (
            3,
            "Where",
            "does not meet the eligibility rule: where: country is one of the eligible countries.",
        ),
        (4, "Topics", "takes at most 2 choices."),
        (4, "Age", "must be at least 10."),
        (4, "Date of birth", "must be a date as YYYY-MM-DD."),
        (
            4,
            "Where",
            "does not meet the eligibility rule: where: country is one of the eligible "
            "countries, and this cell is empty: write a country's name or its two-letter code, "
            "such as NG.",
        ),
    ]
    assert [t["key"] for t in body["targets"] if t["required"]] == [
        "title",
        "summary",
        "submitter_name",
        "licence",
        "answer:topics",
        "answer:where",
    ]
    r = _import(org, _csv([header, good]), mapping=body["mapping"], channel="sms")
    assert r.status_code == 201, r.text
    entry = org.get(f"/api/entries/{r.json()['entries'][0]['id']}").json()
    assert entry["answers"] == {
        "topics": ["Testing", "Access"],
        "age": 17,
        "born": "2008-05-01",
        "where": "NG",
    }
    assert [(o["field"], o["passed"]) for o in entry["rule_outcomes"]] == [("where", True)]


def test_imports_are_taken_until_judging_starts(org: TestClient) -> None:
    data = _csv([HEADER, KIOSKS])
    # After the deadline: the paper arrived in time.
    closed = {"closes_at": (utcnow() - timedelta(minutes=5)).isoformat()}
    assert org.patch("/api/challenges/hiv-testing", json=closed).status_code == 200
    assert _import(org, data).status_code == 201
    judging = {"judging_opens_at": (utcnow() - timedelta(minutes=1)).isoformat()}
    assert org.patch("/api/challenges/hiv-testing", json=judging).status_code == 200
    preview = _preview(org, data).json()
    assert (preview["errors"], preview["import_blocked"]) == (
        [],
        "Entries can be taken for this call only until judging starts.",
    )
    r = _import(org, data)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "not_accepting")
    assert _counts(org)["submitted"] == 1
