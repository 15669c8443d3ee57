"""Request and response bodies for rounds and their criteria."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from app.challenges.schemas import AwareDatetime


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Advancement(Input):
    """Who leaves the round for the next: the top N (overall or per category), those whose
    mean reaches a threshold on the round's shown scale, or the organisers' choice."""

    kind: Literal["top_n", "top_n_per_category", "threshold", "manual"]
    n: int | None = Field(default=None, ge=1)
    threshold: float | None = None

    @model_validator(mode="after")
    def _complete(self) -> Advancement:
        if self.kind in ("top_n", "top_n_per_category") and self.n is None:
            raise ValueError(f"a {self.kind} rule needs `n`")
        if self.kind == "threshold" and self.threshold is None:
            raise ValueError("a threshold rule needs `threshold`")
        return self


class TieBreak(Input):
    kind: Literal["criterion", "scorecards", "organiser"]
    criterion_id: int | None = None

    @model_validator(mode="after")
    def _complete(self) -> TieBreak:
        if self.kind == "criterion" and self.criterion_id is None:
            raise ValueError("a criterion tie-break names its `criterion_id`")
        return self


def _share(value: float) -> float:
    if not 0 < value <= 1:
        raise ValueError("must be a share of the scale between 0 and 1, e.g. 0.3")
    return value


class CriterionIn(Input):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    weight: float = Field(default=1.0, gt=0, le=1000)
    preset: Literal["1-10", "0-2", "likert-3"] | None = Field(
        default=None, description="a scale real calls use; overrides scale_min/max/step"
    )
    scale_min: float = 1.0
    scale_max: float = 10.0
    scale_step: float = Field(default=1.0, gt=0)
    allow_na: bool = False
    position: int | None = Field(default=None, ge=0)


class CriterionUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    weight: float | None = Field(default=None, gt=0, le=1000)
    scale_min: float | None = None
    scale_max: float | None = None
    scale_step: float | None = Field(default=None, gt=0)
    allow_na: bool | None = None
    position: int | None = Field(default=None, ge=0)
    reason: str | None = Field(
        default=None, min_length=3, max_length=500, description="required once the round has opened"
    )


class CriterionPublic(BaseModel):
    id: int
    name: str
    description: str
    weight: float
    scale_min: float
    scale_max: float
    scale_step: float
    allow_na: bool
    position: int


class RoundFields(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    opens_at: AwareDatetime = None
    closes_at: AwareDatetime = None
    judges_per_entry: int | None = Field(default=None, ge=1, le=20)
    blind: bool | None = None
    normalise: bool | None = None
    advancement: Advancement | None = None
    tie_breaks: list[TieBreak] | None = Field(default=None, max_length=5)
    disagreement_share: Annotated[float, AfterValidator(_share)] | None = None


class RoundCreate(RoundFields):
    name: str = Field(min_length=1, max_length=200)
    criteria: list[CriterionIn] = Field(default_factory=list, max_length=30)


class RoundUpdate(RoundFields):
    reason: str | None = Field(
        default=None, min_length=3, max_length=500, description="required once the round has opened"
    )


class RoundPublic(BaseModel):
    id: int
    challenge_slug: str
    position: int
    name: str
    opens_at: datetime | None
    closes_at: datetime | None
    judges_per_entry: int
    blind: bool
    normalise: bool
    advancement: dict[str, Any]
    tie_breaks: list[dict[str, Any]]
    disagreement_share: float
    required_tags: list[str] = Field(
        description="perspectives every panel carries (last assignment)"
    )
    match_language: bool
    assignment_seed: int
    frozen: bool = Field(description="true once the round has opened: changes need a reason")
    state: Literal["upcoming", "open", "closed"] = Field(
        description="scoring: upcoming until opens_at (or while unset), closed from closes_at"
    )
    advanced_at: datetime | None = Field(description="when advancement was applied")
    criteria: list[CriterionPublic]


class ScalePreset(BaseModel):
    key: str
    label: str
    scale_min: float
    scale_max: float
    scale_step: float
