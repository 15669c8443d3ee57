"""Launching and running a challenge: create, edit, publish, close, archive, clone, override."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.audit.service import changes, record, snapshot
from app.challenges import translations as translated
from app.challenges.access import ChallengeAccess
from app.challenges.content import OPTIONAL_TEXTS, render_markdown, slugify
from app.challenges.phase import accepting_entries, current_phase
from app.challenges.schemas import (
    ChallengeCreate,
    ChallengeFields,
    ChallengePublic,
    ChallengeStaffView,
    ChallengeSummary,
    ChallengeUpdate,
    CloneIn,
    PhaseOverrideIn,
)
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, Unprocessable
from app.files.storage import Storage
from app.files.upload import StoredUpload
from app.models import (
    Challenge,
    ChallengeRole,
    ChallengeTranslation,
    CommitteeMember,
    FormField,
    Membership,
    StoredFile,
    User,
)

# Fields whose changes the audit log records (description_html follows description_md).
AUDITED = (
    "title",
    "prompt",
    "description_md",
    "eligibility_text",
    "categories",
    "languages",
    "original_language",
    "formats_text",
    "prizes_text",
    "recognition_text",
    "licence",
    "consent_text",
    "contact_email",
    "timezone",
    "opens_at",
    "closes_at",
    "grace_minutes",
    "judging_opens_at",
    "judging_closes_at",
    "voting_opens_at",
    "voting_closes_at",
    "max_entries_per_participant",
    "max_team_size",
    "reference_prefix",
    "eligibility_rules",
    "screening_reasons",
)
LIFECYCLE = ("published_at", "closed_at", "archived_at", "phase_override", "phase_override_reason")


def cover_url(challenge: Challenge) -> str | None:
    if challenge.cover_file_id is None:
        return None
    return f"/api/challenges/{challenge.slug}/cover?v={challenge.cover_file_id}"


def to_public(
    challenge: Challenge,
    roles: set[ChallengeRole],
    staff: bool,
    translations: Sequence[ChallengeTranslation] = (),
    lang: str | None = None,
) -> ChallengePublic:
    """The call as its readers see it, in the language `lang` asks for where it is given in
    it (`translations`: all of the call's; see app/challenges/translations.py)."""
    now = utcnow()
    data: dict[str, Any] = {
        name: getattr(challenge, name)
        for name in ChallengeStaffView.model_fields
        if name not in ("phase", "accepting_entries", "my_roles", "cover_url")
        and hasattr(challenge, name)
    }
    data.update(
        phase=current_phase(challenge, now),
        accepting_entries=accepting_entries(challenge, now),
        my_roles=sorted(roles),
        cover_url=cover_url(challenge),
    )
    translated.apply(data, challenge.original_language, translations, lang)
    if staff:
        return ChallengeStaffView(**data)
    return ChallengePublic(**{k: v for k, v in data.items() if k in ChallengePublic.model_fields})


def view(access: ChallengeAccess, lang: str | None = None) -> ChallengePublic:
    challenge = access.challenge
    assert challenge.id is not None
    translations = translated.of_challenge(access.session, challenge.id)
    return to_public(challenge, access.roles, access.staff, translations, lang)


def to_summary(
    challenge: Challenge,
    roles: set[ChallengeRole],
    translation: tuple[str, str, str] | None = None,
) -> ChallengeSummary:
    """A call in a list; `translation`: (language, title, prompt) to show instead, where the
    reader's language has one (an empty text keeps the original's)."""
    assert challenge.id is not None
    language, title, prompt = translation or (challenge.original_language, "", "")
    if not title.strip():  # the language the title is in is the one a list marks
        language, title = challenge.original_language, challenge.title
    return ChallengeSummary(
        id=challenge.id,
        slug=challenge.slug,
        title=title,
        prompt=prompt if prompt.strip() else challenge.prompt,
        content_language=language,
        phase=current_phase(challenge, utcnow()),
        timezone=challenge.timezone,
        opens_at=challenge.opens_at,
        closes_at=challenge.closes_at,
        cover_url=cover_url(challenge),
        my_roles=sorted(roles),
    )


def _check_timeline(challenge: Challenge) -> None:
    """The windows must follow one another; each problem names its field."""
    pairs = [
        ("closes_at", challenge.opens_at, challenge.closes_at, "must be after opens_at"),
        (
            "judging_closes_at",
            challenge.judging_opens_at,
            challenge.judging_closes_at,
            "must be after judging_opens_at",
        ),
        (
            "voting_closes_at",
            challenge.voting_opens_at,
            challenge.voting_closes_at,
            "must be after voting_opens_at",
        ),
        (
            "judging_opens_at",
            challenge.closes_at,
            challenge.judging_opens_at,
            "must not be before closes_at",
        ),
    ]
    for field, start, end, message in pairs:
        if (
            start is not None
            and end is not None
            and (end < start or (end == start and field != "judging_opens_at"))
        ):
            raise Unprocessable(f"{field}: {message}", field=field)


def _apply(challenge: Challenge, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "eligibility_rules" and value is not None:
            value = [
                rule if isinstance(rule, dict) else rule.model_dump(exclude_none=True)
                for rule in value
            ]
        setattr(challenge, name, value)
    if "description_md" in values:
        challenge.description_html = render_markdown(challenge.description_md)
    _check_timeline(challenge)


def _slug_taken() -> Conflict:
    return Conflict(
        "Another challenge uses this slug; choose another.", field="slug", code="slug_taken"
    )


def _unique_slug(session: Session, base: str) -> str:
    base = base or "challenge"
    slug, n = base, 1
    while session.exec(select(Challenge.id).where(Challenge.slug == slug)).first() is not None:
        n += 1
        slug = f"{base[:75]}-{n}"
    return slug


# Fields every call has: null is refused (leaving a field out keeps it as it is).
NOT_NULL = (
    "title",
    "timezone",
    "grace_minutes",
    "max_entries_per_participant",
    "max_team_size",
    "reference_prefix",
    "licence",
    "categories",
    "languages",
    "original_language",
    "eligibility_rules",
    "screening_reasons",
)
# Texts a call may leave empty: null empties them.
TEXTS = OPTIONAL_TEXTS


def _field_values(body: ChallengeFields) -> dict[str, Any]:
    """The fields a create or update names, with null refused where a call must have a value
    and read as empty text where it may have none."""
    values = body.model_dump(exclude_unset=True)
    for name in NOT_NULL:
        if name in values and values[name] is None:
            raise Unprocessable(f"{name}: may not be null", field=name)
    for name in TEXTS:
        if name in values and values[name] is None:
            values[name] = ""
    return values


def create_challenge(session: Session, user: User, body: ChallengeCreate) -> Challenge:
    """Any verified account may launch a call; its creator becomes the first organiser."""
    if user.email_verified_at is None:
        raise Forbidden(
            "Verify your e-mail address before launching a call.", code="email_not_verified"
        )
    values = _field_values(body)
    values.pop("slug", None)
    slug = body.slug or _unique_slug(session, slugify(body.title))
    if session.exec(select(Challenge.id).where(Challenge.slug == slug)).first() is not None:
        raise _slug_taken()
    challenge = Challenge(slug=slug, title=body.title, created_by_id=user.id)
    challenge.reference_prefix = (slugify(body.title, 3, "").upper() or "OC")[:3]
    _apply(challenge, values)
    session.add(challenge)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise _slug_taken() from None
    assert challenge.id is not None and user.id is not None
    session.add(
        Membership(challenge_id=challenge.id, user_id=user.id, role=ChallengeRole.organiser)
    )
    record(
        session,
        actor=user,
        action="challenge.create",
        object_type="challenge",
        object_id=challenge.id,
        challenge_id=challenge.id,
        after=snapshot(challenge, ("slug", *AUDITED)),
    )
    session.commit()
    return challenge


def update_challenge(session: Session, access: ChallengeAccess, body: ChallengeUpdate) -> Challenge:
    challenge = access.challenge
    values = _field_values(body)
    language = values.get("original_language")
    if language and language != challenge.original_language:
        assert challenge.id is not None
        if any(t.language == language for t in translated.of_challenge(session, challenge.id)):
            raise Conflict(
                f"The call has a {language} translation: delete it before making {language} "
                "the original language.",
                field="original_language",
                code="translation_exists",
            )
    before = snapshot(challenge, AUDITED)
    _apply(challenge, values)
    challenge.updated_at = utcnow()
    old, new = changes(before, snapshot(challenge, AUDITED))
    if new:
        record(
            session,
            actor=access.user,
            action="challenge.update",
            object_type="challenge",
            object_id=challenge.id,
            challenge_id=challenge.id,
            before=old,
            after=new,
        )
    session.add(challenge)
    session.commit()
    return challenge


def _lifecycle(
    session: Session, access: ChallengeAccess, action: str, reason: str | None = None
) -> Challenge:
    challenge = access.challenge
    before = snapshot(challenge, LIFECYCLE)
    now = utcnow()
    if action == "publish":
        missing = [
            name
            for name in ("title", "prompt", "opens_at", "closes_at")
            if not getattr(challenge, name)
        ]
        if missing:
            raise Unprocessable(
                "Set " + ", ".join(missing) + " before publishing.",
                field=missing[0],
                details=[
                    {"field": name, "message": "is required before publishing"} for name in missing
                ],
            )
        if challenge.archived_at is not None:
            raise Conflict(
                "An archived challenge cannot be published again; clone it.", code="archived"
            )
        challenge.published_at = challenge.published_at or now
    elif action == "close":
        if challenge.published_at is None:
            raise Conflict("Publish the challenge before closing it.", code="not_published")
        challenge.closed_at = challenge.closed_at or now
    elif action == "archive":
        challenge.archived_at = challenge.archived_at or now
    challenge.updated_at = now
    old, new = changes(before, snapshot(challenge, LIFECYCLE))
    record(
        session,
        actor=access.user,
        action=f"challenge.{action}",
        object_type="challenge",
        object_id=challenge.id,
        challenge_id=challenge.id,
        before=old,
        after=new,
        reason=reason,
    )
    session.add(challenge)
    session.commit()
    return challenge


def publish(session: Session, access: ChallengeAccess) -> Challenge:
    """Make the call public; its phase then follows its dates."""
    return _lifecycle(session, access, "publish")


def close(session: Session, access: ChallengeAccess) -> Challenge:
    """Stop taking entries now, before the deadline."""
    return _lifecycle(session, access, "close")


def archive(session: Session, access: ChallengeAccess) -> Challenge:
    return _lifecycle(session, access, "archive")


def override_phase(session: Session, access: ChallengeAccess, body: PhaseOverrideIn) -> Challenge:
    """Set (or clear) the phase by hand; the reason is kept in the audit log."""
    challenge = access.challenge
    if body.phase in ("draft", "archived"):
        raise Unprocessable("phase: use publish or archive for that", field="phase")
    if challenge.published_at is None:
        raise Conflict("Publish the challenge before overriding its phase.", code="not_published")
    before = snapshot(challenge, LIFECYCLE)
    challenge.phase_override = body.phase
    challenge.phase_override_reason = body.reason if body.phase else None
    challenge.updated_at = utcnow()
    old, new = changes(before, snapshot(challenge, LIFECYCLE))
    record(
        session,
        actor=access.user,
        action="challenge.phase_override",
        object_type="challenge",
        object_id=challenge.id,
        challenge_id=challenge.id,
        before=old,
        after=new,
        reason=body.reason,
    )
    session.add(challenge)
    session.commit()
    return challenge


def clone(session: Session, access: ChallengeAccess, body: CloneIn) -> Challenge:
    """Copy content, form and committee (never entries, roles beyond the cloner, or dates of
    publication) into a new draft."""
    source = access.challenge
    user = access.need_organiser()
    if session.exec(select(Challenge.id).where(Challenge.slug == body.slug)).first() is not None:
        raise _slug_taken()
    copy = Challenge(slug=body.slug, title=body.title, created_by_id=user.id)
    for name in AUDITED:
        if name != "title":
            setattr(copy, name, getattr(source, name))
    copy.description_html = source.description_html
    session.add(copy)
    session.flush()
    assert copy.id is not None and user.id is not None and source.id is not None
    session.add(Membership(challenge_id=copy.id, user_id=user.id, role=ChallengeRole.organiser))
    fields = session.exec(
        select(FormField)
        .where(FormField.challenge_id == source.id, col(FormField.version_removed).is_(None))
        .order_by(col(FormField.position), col(FormField.id))
    ).all()
    for field in fields:
        data = field.model_dump(exclude={"id", "challenge_id", "version_added", "version_removed"})
        session.add(FormField(**data, challenge_id=copy.id, version_added=1))
    for member in session.exec(
        select(CommitteeMember).where(CommitteeMember.challenge_id == source.id)
    ).all():
        data = member.model_dump(exclude={"id", "challenge_id"})
        session.add(CommitteeMember(**data, challenge_id=copy.id))
    translated.copy(session, source.id, copy.id)
    record(
        session,
        actor=user,
        action="challenge.clone",
        object_type="challenge",
        object_id=copy.id,
        challenge_id=copy.id,
        after={"cloned_from": source.slug, "slug": copy.slug},
    )
    record(
        session,
        actor=user,
        action="challenge.cloned",
        object_type="challenge",
        object_id=source.id,
        challenge_id=source.id,
        after={"clone": copy.slug},
    )
    session.commit()
    return copy


def set_cover(
    session: Session, access: ChallengeAccess, stored: StoredUpload, storage: Storage
) -> Challenge:
    """Record an uploaded cover image and drop the one it replaces."""
    challenge = access.challenge
    file = StoredFile(
        storage_key=stored.storage_key,
        challenge_id=challenge.id,
        field_key="cover",
        original_name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=access.user.id if access.user else None,
    )
    session.add(file)
    session.flush()
    old = session.get(StoredFile, challenge.cover_file_id) if challenge.cover_file_id else None
    before = {"cover_file_id": challenge.cover_file_id}
    challenge.cover_file_id = file.id
    challenge.updated_at = utcnow()
    session.add(challenge)
    old_key = old.storage_key if old else None
    if old is not None:
        session.delete(old)
    record(
        session,
        actor=access.user,
        action="challenge.cover",
        object_type="challenge",
        object_id=challenge.id,
        challenge_id=challenge.id,
        before=before,
        after={"cover_file_id": file.id, "sha256": stored.sha256},
    )
    session.commit()
    if old_key:
        storage.delete(old_key)
    return challenge
