"""/api/challenges/{slug}/translations: a call's own content in more languages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from app.challenges import translations as translated
from app.challenges.access import OrganiserOf
from app.challenges.schemas import LANGUAGE_TAG_RE, TranslationIn, TranslationPublic, tidy_language
from app.core.deps import SessionDep
from app.core.errors import error_responses

router = APIRouter(prefix="/api/challenges/{slug}/translations", tags=["challenges"])

LanguagePath = Annotated[
    str,
    Path(
        max_length=20,
        pattern=LANGUAGE_TAG_RE.pattern,
        description="a BCP 47 language tag such as fr, es, pt-BR or sw",
    ),
]


@router.get("", responses=error_responses(401, 403, 404))
def list_translations(access: OrganiserOf, session: SessionDep) -> list[TranslationPublic]:
    """Every translation of the call, with its Markdown and its form questions (organisers)."""
    assert access.challenge.id is not None
    return [translated.to_public(t) for t in translated.of_challenge(session, access.challenge.id)]


@router.put("/{language}", responses=error_responses(401, 403, 404, 409))
def save_translation(
    language: LanguagePath, body: TranslationIn, access: OrganiserOf, session: SessionDep
) -> TranslationPublic:
    """Give the call's texts and form questions in `language`, replacing what was there (a
    text left empty is shown in the original). Audited with what changed."""
    saved = translated.save(session, access, tidy_language(language), body)
    return translated.to_public(saved)


@router.delete(
    "/{language}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404),
)
def delete_translation(language: LanguagePath, access: OrganiserOf, session: SessionDep) -> None:
    """Stop giving the call in `language` (audited)."""
    translated.remove(session, access, tidy_language(language))
