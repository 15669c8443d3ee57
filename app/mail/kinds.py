"""Every kind of message OpenCall sends: who gets it, and whether it is optional.

Optional kinds can be turned off by each person (preferences page, or the one-click
unsubscribe link every optional mail carries); transactional kinds (receipts, decisions
about one's own entry, account mail, what a judge needs to judge) always go.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    optional: bool
    audience: str  # everyone, entrants, judges, organisers


_ALL = (
    Kind("account", "Account: verification, password reset and change", False, "everyone"),
    Kind("entry_receipt", "Receipt for each entry you submit", False, "entrants"),
    Kind("eligibility_decision", "Whether your entry is eligible, and why", False, "entrants"),
    Kind("round_outcome", "Whether your entry advanced, with released feedback", False, "entrants"),
    Kind("results", "Results and awards when they are published", False, "entrants"),
    Kind("judge_invitation", "Invitations to judge", False, "judges"),
    Kind("judge_round_open", "A judging round opens with entries for you", False, "judges"),
    Kind("conflict_reassignment", "Entries given to you after a conflict", False, "judges"),
    Kind("deadline_reminder", "Deadline reminders (7 days and 24 hours before)", True, "entrants"),
    Kind("draft_reminder", "A reminder about a draft you have not submitted", True, "entrants"),
    Kind("judge_reminder", "Reminders of scorecards due", True, "judges"),
    Kind("voting_open", "Public voting opens on a call you entered", True, "entrants"),
    Kind("organiser_digest", "Daily digest of the calls you organise", True, "organisers"),
    Kind("broadcast", "Messages from the organisers of calls you take part in", True, "everyone"),
)

KINDS: dict[str, Kind] = {k.key: k for k in _ALL}
OPTIONAL = frozenset(k.key for k in _ALL if k.optional)

# Each template's kind (templates of one kind share its preference).
TEMPLATE_KINDS = {
    "verify_email": "account",
    "password_reset": "account",
    "password_changed": "account",
    "entry_receipt": "entry_receipt",
    "judge_invitation": "judge_invitation",
    "judge_reminder": "judge_reminder",
    "round_outcome": "round_outcome",
}


def kind_of(template: str) -> str:
    return TEMPLATE_KINDS.get(template, template if template in KINDS else "account")
