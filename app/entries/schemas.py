"""Request and response bodies for entries, screening, revisions and attachments."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.models import Channel, Eligibility, EntryStatus


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# The channels staff take entries through on someone's behalf (web entries come in online).
OfflineChannel = Literal["email", "paper", "whatsapp", "sms", "in_person", "drop_box"]


class OnBehalfIn(Input):
    """Staff entering an entry that came through an offline channel."""

    channel: OfflineChannel
    submitter_name: str = Field(min_length=1, max_length=200)
    submitter_contact: str = Field(
        default="", max_length=320, description="e-mail, phone or address"
    )


class EntryCreate(Input):
    title: str = Field(default="", max_length=300)
    on_behalf: OnBehalfIn | None = None


class TeamMemberIn(Input):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)


class EntryUpdate(Input):
    """A draft save: anything may be saved, valid or not (submit says what must change).
    For a submitted entry the result must stay valid, and each change is a revision."""

    title: str | None = Field(default=None, max_length=300)
    summary: str | None = Field(default=None, max_length=20_000)
    category: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=20)
    answers: dict[str, Any] | None = Field(
        default=None, description="merged into the saved answers; a null value clears one"
    )
    team: list[TeamMemberIn] | None = Field(default=None, max_length=100)
    licence_accepted: bool | None = None
    submitter_name: str | None = Field(default=None, max_length=200)
    submitter_contact: str | None = Field(default=None, max_length=320)
    expected_updated_at: datetime | None = Field(
        default=None,
        description="the entry's updated_at this change was made on: if the entry has "
        "changed since (another device, an upload), nothing is saved and the answer is 409 "
        "edit_conflict, so a device that was offline never silently overwrites newer work",
    )


class Problem(BaseModel):
    field: str
    message: str


class RuleOutcome(BaseModel):
    kind: str
    field: str
    label: str
    enforce: Literal["block", "flag"]
    passed: bool | None = Field(description="null when the answer it reads is missing")
    detail: str


class AttachmentPublic(BaseModel):
    id: int
    field_key: str | None
    original_name: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime
    url: str


class TeamMemberPublic(BaseModel):
    name: str
    email: str | None


class PersonRef(BaseModel):
    id: int
    display_name: str


class EntryPublic(BaseModel):
    id: int
    challenge_slug: str
    challenge_title: str
    reference: str | None
    status: EntryStatus
    eligibility: Eligibility
    eligibility_reason: str | None
    eligibility_note: str | None
    title: str
    summary: str
    category: str | None
    language: str | None
    answers: dict[str, Any]
    form_version: int
    team: list[TeamMemberPublic]
    licence_accepted: bool
    licence: str | None
    channel: Channel
    submitter_name: str | None
    submitter_contact: str | None
    owner: PersonRef | None
    attachments: list[AttachmentPublic]
    rule_outcomes: list[RuleOutcome]
    problems: list[Problem] = Field(
        description="what must change before this entry can be submitted"
    )
    editable: bool
    withdrawable: bool
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    withdrawn_at: datetime | None


class EntryRow(BaseModel):
    """One line of the organisers' entries table."""

    id: int
    reference: str | None
    title: str
    status: EntryStatus
    eligibility: Eligibility
    eligibility_reason: str | None
    category: str | None
    channel: Channel
    owner_name: str | None
    flagged: bool = Field(description="a declared rule failed or could not be checked")
    submitted_at: datetime | None
    updated_at: datetime


class EntryCounts(BaseModel):
    draft: int
    submitted: int
    withdrawn: int
    pending: int = Field(description="submitted and not yet screened")
    eligible: int
    ineligible: int


class ScreeningIn(Input):
    eligibility: Literal["eligible", "ineligible"]
    reason: str | None = Field(default=None, max_length=300, description="required when ineligible")
    note: str | None = Field(default=None, max_length=2000)


class BulkScreeningIn(ScreeningIn):
    entry_ids: list[int] = Field(min_length=1, max_length=500)


class BulkScreeningOut(BaseModel):
    screened: list[int]


class ReopenIn(Input):
    reason: str = Field(min_length=3, max_length=500)


class RevisionPublic(BaseModel):
    number: int
    kind: str
    author: PersonRef | None
    created_at: datetime
    snapshot: dict[str, Any]


class ImportTarget(BaseModel):
    """A field of an entry that a CSV column can fill."""

    key: str = Field(description="title, summary, …, or answer:<question key>")
    label: str
    required: bool = Field(description="every entry needs a value (or the import is refused)")
    hint: str = Field(description="how to write a value in the cell")


class ImportSkipped(BaseModel):
    """A question of the form that no CSV column can fill, and why."""

    key: str
    label: str
    reason: str


class ImportProblem(BaseModel):
    """One thing to fix before the file can be imported."""

    row: int | None = Field(description="the spreadsheet's row number: the header is row 1")
    column: str | None = Field(description="the CSV column's header")
    field: str | None = Field(description="the target the column is mapped to")
    message: str = Field(description="what is wrong and how to fix it")


class ImportRow(BaseModel):
    row: int
    values: dict[str, Any] = Field(description="by target, as the entry would store them")


class ImportPreview(BaseModel):
    file_name: str
    sha256: str
    delimiter: str
    columns: list[str]
    samples: dict[str, str] = Field(
        description="each column's first value (at most 80 characters), to help match it"
    )
    mapping: dict[str, str | None] = Field(
        description="column → target used (suggested when none was sent); null: not imported"
    )
    targets: list[ImportTarget]
    not_importable: list[ImportSkipped]
    row_count: int = Field(description="rows of entries under the header (blank rows skipped)")
    rows: list[ImportRow] = Field(description="the first rows, as they would be imported")
    errors: list[ImportProblem] = Field(description="every problem in the file")
    import_blocked: str | None = Field(
        description="why the call cannot take these entries now, else null"
    )


class ImportedEntry(BaseModel):
    row: int
    id: int
    reference: str


class ImportResult(BaseModel):
    imported: int
    channel: Channel
    entries: list[ImportedEntry]
