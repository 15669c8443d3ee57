"""The interface's message catalogues (frontend/i18n/<language>/<namespace>.json), without a
browser: French is complete, Spanish (started) has no key English lacks, every translation
keeps English's {placeholders}, every key the pages and scripts use exists in English, and
the English a page shows before its script runs is the English catalogue's own."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

FRONTEND = Path(__file__).resolve().parents[1] / "frontend"
I18N = FRONTEND / "i18n"
NAMESPACES = sorted(path.stem for path in (I18N / "en").glob("*.json"))
PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")
# t('namespace.key' …): a literal key in a script (keys built at run time are not listed).
T_CALL = re.compile(r"""\bt(?:Parts)?\(\s*'([a-z_]+\.[\w.]+)'""")


def catalogue(language: str, namespace: str) -> dict[str, str]:
    path = I18N / language / f"{namespace}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def english_keys() -> set[str]:
    return {f"{ns}.{key}" for ns in NAMESPACES for key in catalogue("en", ns)}


def base_key(key: str) -> str:
    """ "calls.list.more_shown.one" → "calls.list.more_shown": the key t() is called with."""
    head, _, last = key.rpartition(".")
    return head if last in PLURAL_FORMS else key


def test_the_catalogues_are_flat_objects_of_text() -> None:
    assert {"common", "calls", "account", "results", "home"} <= set(NAMESPACES)
    for path in I18N.glob("*/*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict), path
        wrong = [key for key, text in data.items() if not isinstance(text, str) or not text]
        assert wrong == [], f"{path}: not text: {wrong}"


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_french_has_every_key_english_has(namespace: str) -> None:
    missing = sorted(set(catalogue("en", namespace)) - set(catalogue("fr", namespace)))
    assert missing == [], f"fr/{namespace}.json lacks {missing}"


@pytest.mark.parametrize("language", ["fr", "es"])
def test_no_translation_has_a_key_english_lacks(language: str) -> None:
    stray = sorted(
        f"{path.stem}.{key}"
        for path in (I18N / language).glob("*.json")
        for key in catalogue(language, path.stem)
        if key not in catalogue("en", path.stem)
    )
    assert stray == []


def test_spanish_is_started_where_the_issue_asks() -> None:
    for namespace in ("common", "calls"):
        missing = sorted(set(catalogue("en", namespace)) - set(catalogue("es", namespace)))
        assert missing == [], f"es/{namespace}.json lacks {missing}"


@pytest.mark.parametrize("language", ["fr", "es"])
def test_translations_keep_the_placeholders(language: str) -> None:
    wrong = []
    for namespace in NAMESPACES:
        english = catalogue("en", namespace)
        for key, text in catalogue(language, namespace).items():
            # A plural form may leave out {count} ("One entry each."); nothing else may differ.
            ours, theirs = set(PLACEHOLDER.findall(text)), set(PLACEHOLDER.findall(english[key]))
            if key.rpartition(".")[2] in PLURAL_FORMS:
                ours, theirs = ours - {"count"}, theirs - {"count"}
            if ours != theirs:
                wrong.append((f"{namespace}.{key}", sorted(ours), sorted(theirs)))
    assert wrong == []


class MarkedText(HTMLParser):
    """Each data-i18n key with the element's text, and each data-i18n-attr key."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[tuple[str, str]] = []
        self.attr_keys: list[str] = []
        self.open: list[tuple[str, str | None, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for pair in (found.get("data-i18n-attr") or "").split(";"):
            if ":" in pair:
                self.attr_keys.append(pair.split(":", 1)[1].strip())
        if tag not in ("br", "img", "input", "meta", "link"):
            self.open.append((tag, found.get("data-i18n"), []))

    def handle_data(self, data: str) -> None:
        for _, _, parts in self.open:
            parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            name, key, parts = self.open.pop()
            if key:
                self.texts.append((key, "".join(parts)))
            if name == tag:
                break


def marked(page: Path) -> MarkedText:
    parser = MarkedText()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_every_key_the_pages_use_is_in_english_with_the_same_text() -> None:
    english = {
        f"{ns}.{key}": text for ns in NAMESPACES for key, text in catalogue("en", ns).items()
    }
    missing, different = [], []
    for page in sorted(FRONTEND.glob("*.html")):
        found = marked(page)
        for key in found.attr_keys:
            if key not in english:
                missing.append((page.name, key))
        for key, text in found.texts:
            if key not in english:
                missing.append((page.name, key))
            elif " ".join(text.split()) != english[key].strip():
                # What a page shows before its script runs must be what English says.
                different.append((page.name, key, text, english[key]))
    assert missing == []
    assert different == []


def test_every_key_the_scripts_use_is_in_english() -> None:
    known = {base_key(key) for key in english_keys()}
    missing = sorted(
        (script.name, key)
        for script in sorted((FRONTEND / "js").glob("*.js"))
        for key in T_CALL.findall(script.read_text(encoding="utf-8"))
        if key not in known
    )
    assert missing == []


def test_the_checks_above_see_the_keys_in_use() -> None:
    """The patterns find what the pages and scripts really use (else they would prove nothing)."""
    scripts = {
        script.name: set(T_CALL.findall(script.read_text(encoding="utf-8")))
        for script in (FRONTEND / "js").glob("*.js")
    }
    assert "calls.call.entries_close" in scripts["challenge.js"]
    assert "common.error.network" in scripts["api.js"]
    found = marked(FRONTEND / "challenges.html")
    assert ("calls.list.heading", "Open calls") in found.texts
    assert "results.on_this_page" in marked(FRONTEND / "results.html").attr_keys
