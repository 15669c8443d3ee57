"""A call's own content in several languages.

The call is written in one language (`Challenge.original_language`); each translation gives
its texts and its entry form's questions in one more. A reader asks for a language with
`?lang=`: they get the translation whose tag matches it (or, failing that, one for the same
language without the region: "fr-CA" → "fr"), and every text the translation leaves empty in
the original language, named in `untranslated` so pages can mark it with its own `lang`.
Answers to choice questions always keep the original choice, whatever language it was shown in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from fastapi import Query
from sqlmodel import Session, col, or_, select

from app.audit.service import changes, record
from app.challenges.access import ChallengeAccess
from app.challenges.content import OPTIONAL_TEXTS, render_markdown
from app.challenges.form import fields_at
from app.challenges.schemas import (
    LANGUAGE_TAG_RE,
    FormFieldTranslation,
    FormPublic,
    TranslationIn,
    TranslationPublic,
)
from app.core.db import utcnow
from app.core.errors import Conflict, NotFound, Unprocessable
from app.models import ChallengeTranslation, FieldType

# The texts a translation may give, as the call names them.
TEXTS = ("title", *OPTIONAL_TEXTS)
CHOICE_TYPES = {FieldType.choice, FieldType.multi_choice}

LangQuery = Annotated[
    str | None,
    Query(
        max_length=20,
        pattern=LANGUAGE_TAG_RE.pattern,
        description="the reader's language (a BCP 47 tag such as fr or pt-BR): the call's "
        "texts in it where the call is given in it, else in the original",
    ),
]


def primary(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


def of_challenge(session: Session, challenge_id: int) -> list[ChallengeTranslation]:
    return list(
        session.exec(
            select(ChallengeTranslation)
            .where(ChallengeTranslation.challenge_id == challenge_id)
            .order_by(col(ChallengeTranslation.language))
        ).all()
    )


def pick(
    translations: Sequence[ChallengeTranslation], original: str, wanted: str | None
) -> ChallengeTranslation | None:
    """The translation to show for `wanted`, or None for the original: the same tag, else
    one for the same language (the bare language first), unless the original is in it."""
    if not wanted:
        return None
    wanted_lower = wanted.lower()
    if wanted_lower == original.lower():
        return None
    for translation in translations:
        if translation.language.lower() == wanted_lower:
            return translation
    if primary(wanted) == primary(original):
        return None
    same = [t for t in translations if primary(t.language) == primary(wanted)]
    same.sort(key=lambda t: (t.language.lower() != primary(wanted), t.language))
    return same[0] if same else None


def apply(
    data: dict[str, Any],
    original: str,
    translations: Sequence[ChallengeTranslation],
    wanted: str | None,
) -> dict[str, Any]:
    """A call's public fields (`data`) with the chosen translation's texts put in."""
    translation = pick(translations, original, wanted)
    data.update(
        original_language=original,
        content_language=original,
        translations=[t.language for t in translations],
        untranslated=[],
    )
    if translation is None:
        return data
    data["content_language"] = translation.language
    for name in TEXTS:
        text = getattr(translation, name)
        # The public view shows the description as HTML; the staff view has its Markdown too.
        shown = "description_html" if name == "description_md" else name
        if text.strip():
            data[shown] = translation.description_html if name == "description_md" else text
            if name in data:
                data[name] = text
        elif data.get(shown):
            data["untranslated"].append(name)
    return data


def summary_texts(
    session: Session, challenges: Iterable[tuple[int, str]], wanted: str | None
) -> dict[int, tuple[str, str, str]]:
    """For each (challenge id, original language): (language, title, prompt) of the
    translation to show in a list, for the calls that have one for `wanted`."""
    originals = dict(challenges)
    if not wanted or not originals:
        return {}
    rows = session.exec(
        select(ChallengeTranslation).where(
            col(ChallengeTranslation.challenge_id).in_(list(originals)),
            or_(
                col(ChallengeTranslation.language) == wanted,
                col(ChallengeTranslation.language).like(f"{primary(wanted)}%"),
            ),
        )
    ).all()
    by_challenge: dict[int, list[ChallengeTranslation]] = {}
    for row in rows:
        by_challenge.setdefault(row.challenge_id, []).append(row)
    found: dict[int, tuple[str, str, str]] = {}
    for challenge_id, translations in by_challenge.items():
        chosen = pick(translations, originals[challenge_id], wanted)
        if chosen is not None:
            found[challenge_id] = (chosen.language, chosen.title, chosen.prompt)
    return found


def translate_form(
    form: FormPublic,
    original: str,
    translations: Sequence[ChallengeTranslation],
    wanted: str | None,
) -> FormPublic:
    """The entry form's questions in the chosen language; a choice keeps its original value
    and is shown as its translation (config.options: [[value, shown], …])."""
    translation = pick(translations, original, wanted)
    if translation is None:
        return form
    fields = []
    for field in form.fields:
        given = translation.form.get(field.key) or {}
        update: dict[str, Any] = {}
        if str(given.get("label", "")).strip():
            update["label"] = given["label"]
        if str(given.get("help_text", "")).strip():
            update["help_text"] = given["help_text"]
        shown = given.get("choices") or {}
        if field.type in CHOICE_TYPES and shown:
            choices = [str(choice) for choice in field.config.get("choices", [])]
            update["config"] = {
                **field.config,
                "options": [[choice, shown.get(choice) or choice] for choice in choices],
            }
        fields.append(field.model_copy(update=update) if update else field)
    return form.model_copy(update={"content_language": translation.language, "fields": fields})


def to_public(translation: ChallengeTranslation) -> TranslationPublic:
    return TranslationPublic(
        language=translation.language,
        **{name: getattr(translation, name) for name in TEXTS},
        description_html=translation.description_html,
        form={
            key: FormFieldTranslation.model_validate(value)
            for key, value in translation.form.items()
        },
        updated_at=translation.updated_at,
    )


def _check_form(session: Session, challenge_id: int, body: TranslationIn) -> dict[str, Any]:
    """The form part, checked against the questions the form has now."""
    fields = {field.key: field for field in fields_at(session, challenge_id)}
    kept: dict[str, Any] = {}
    for key, given in body.form.items():
        field = fields.get(key)
        if field is None:
            raise Unprocessable(
                f"The entry form has no question with the key {key!r}: translate the keys "
                "GET /api/challenges/{slug}/form lists.",
                field=f"form.{key}",
            )
        if given.choices:
            if field.type not in CHOICE_TYPES:
                raise Unprocessable(
                    f"The question {key!r} offers no choices to translate.",
                    field=f"form.{key}.choices",
                )
            known = {str(choice) for choice in field.config.get("choices", [])}
            unknown = sorted(set(given.choices) - known)
            if unknown:
                raise Unprocessable(
                    f"The question {key!r} has no choice {unknown[0]!r}: give its choices "
                    "exactly as the form writes them.",
                    field=f"form.{key}.choices",
                )
        value = given.model_dump()
        value["choices"] = {k: v for k, v in given.choices.items() if v.strip()}
        if any(str(v).strip() for v in value.values() if isinstance(v, str)) or value["choices"]:
            kept[key] = value
    return kept


def save(
    session: Session, access: ChallengeAccess, language: str, body: TranslationIn
) -> ChallengeTranslation:
    """Create or replace the call's content in `language` (audited, with what changed)."""
    user = access.need_organiser()
    challenge = access.challenge
    assert challenge.id is not None
    if language.lower() == challenge.original_language.lower():
        raise Conflict(
            f"The call is written in {language}: edit the call itself, or change its original "
            "language first.",
            field="language",
            code="original_language",
        )
    form = _check_form(session, challenge.id, body)
    translation = session.exec(
        select(ChallengeTranslation).where(
            ChallengeTranslation.challenge_id == challenge.id,
            ChallengeTranslation.language == language,
        )
    ).first()
    created = translation is None
    if translation is None:
        translation = ChallengeTranslation(challenge_id=challenge.id, language=language)
    before = {name: getattr(translation, name) for name in TEXTS} | {"form": translation.form}
    for name in TEXTS:
        setattr(translation, name, getattr(body, name))
    translation.description_html = render_markdown(body.description_md)
    translation.form = form
    translation.updated_at = utcnow()
    translation.updated_by_id = user.id
    old, new = changes(before, {name: getattr(body, name) for name in TEXTS} | {"form": form})
    if created or new:
        record(
            session,
            actor=user,
            action="challenge.translation.save",
            object_type="challenge",
            object_id=challenge.id,
            challenge_id=challenge.id,
            before={"language": language, **old} if not created else None,
            after={"language": language, **new},
        )
    session.add(translation)
    session.commit()
    session.refresh(translation)
    return translation


def remove(session: Session, access: ChallengeAccess, language: str) -> None:
    user = access.need_organiser()
    challenge = access.challenge
    assert challenge.id is not None
    translation = session.exec(
        select(ChallengeTranslation).where(
            ChallengeTranslation.challenge_id == challenge.id,
            ChallengeTranslation.language == language,
        )
    ).first()
    if translation is None:
        raise NotFound(f"This call has no {language} translation.")
    record(
        session,
        actor=user,
        action="challenge.translation.delete",
        object_type="challenge",
        object_id=challenge.id,
        challenge_id=challenge.id,
        before={"language": translation.language, "title": translation.title},
    )
    session.delete(translation)
    session.commit()


def copy(session: Session, source_id: int, copy_id: int) -> None:
    """A clone keeps its source's translations."""
    for translation in of_challenge(session, source_id):
        data = translation.model_dump(exclude={"id", "challenge_id"})
        session.add(ChallengeTranslation(**data, challenge_id=copy_id))
