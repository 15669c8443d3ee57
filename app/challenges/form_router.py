"""/api/challenges/{slug}/form: the entry form and its fields."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.challenges import form
from app.challenges import translations as translated
from app.challenges.access import ChallengeDep, OrganiserOf
from app.challenges.schemas import FormFieldIn, FormFieldPublic, FormFieldUpdate, FormPublic
from app.challenges.translations import LangQuery
from app.core.deps import SessionDep
from app.core.errors import error_responses

router = APIRouter(prefix="/api/challenges/{slug}/form", tags=["form"])


@router.get("", responses=error_responses(404))
def get_form(access: ChallengeDep, session: SessionDep, lang: LangQuery = None) -> FormPublic:
    """The entry form as it stands: its version, whether it is locked, and its fields. With
    `lang`, the questions in that language where the call is given in it (a choice keeps its
    original value, shown as `config.options`: [[value, text], …])."""
    challenge = access.challenge
    assert challenge.id is not None
    view = form.form_view(session, challenge)
    translations = translated.of_challenge(session, challenge.id) if lang else []
    return translated.translate_form(view, challenge.original_language, translations, lang)


@router.post(
    "/fields", status_code=status.HTTP_201_CREATED, responses=error_responses(401, 403, 404, 409)
)
def add_field(body: FormFieldIn, access: OrganiserOf, session: SessionDep) -> FormFieldPublic:
    """Add a field (once entries are submitted, only optional ones)."""
    return form.to_public(form.add_field(session, access, body))


@router.patch("/fields/{field_id}", responses=error_responses(401, 403, 404, 409))
def update_field(
    field_id: int, body: FormFieldUpdate, access: OrganiserOf, session: SessionDep
) -> FormFieldPublic:
    """Change a field (until the first entry is submitted)."""
    return form.to_public(form.update_field(session, access, field_id, body))


@router.delete(
    "/fields/{field_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409),
)
def delete_field(field_id: int, access: OrganiserOf, session: SessionDep) -> None:
    """Remove a field (until the first entry is submitted)."""
    form.delete_field(session, access, field_id)
