"""The World Bank country list (FY2026) shipped with the app: names and income groups."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.challenges.schemas import Country

DATA = Path(__file__).resolve().parent.parent / "data" / "countries.csv"

LMIC_GROUPS = frozenset({"Low income", "Lower middle income", "Upper middle income"})


@lru_cache(maxsize=1)
def countries() -> tuple[Country, ...]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Country(
                iso2=row["iso2"],
                iso3=row["iso3"],
                name=row["name"],
                region=row["wb_region"],
                income_group=row["income_group"] or None,
            )
            for row in csv.DictReader(handle)
            if row["iso2"]  # the Channel Islands have no ISO code to answer with
        )


@lru_cache(maxsize=1)
def by_iso2() -> dict[str, Country]:
    return {c.iso2: c for c in countries()}


@dataclass(frozen=True)
class CountriesJson:
    """The list as the API sends it, built once: plain and gzipped, each with its ETag."""

    body: bytes
    gzipped: bytes
    etag: str
    gzip_etag: str


@lru_cache(maxsize=1)
def countries_json() -> CountriesJson:
    body = json.dumps(
        [c.model_dump() for c in countries()], ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()[:20]
    return CountriesJson(
        body=body,
        gzipped=gzip.compress(body, compresslevel=9, mtime=0),
        etag=f'"{digest}"',
        gzip_etag=f'"{digest}-gz"',
    )
