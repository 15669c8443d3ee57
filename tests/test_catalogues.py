"""The interface's message catalogues (frontend/i18n/<language>/<namespace>.json), without a
browser: French and Spanish are complete and have no key English lacks, every translation
keeps English's {placeholders}, every key the pages and scripts use exists in English, the
English a page shows before its script runs is the English catalogue's own, no page holds
text that no catalogue gives, and no script writes interface text of its own."""

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


@pytest.mark.parametrize("language", ["fr", "es"])
@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_translation_has_every_key_english_has(namespace: str, language: str) -> None:
    missing = sorted(set(catalogue("en", namespace)) - set(catalogue(language, namespace)))
    assert missing == [], f"{language}/{namespace}.json lacks {missing}"


@pytest.mark.parametrize("language", ["fr", "es"])
def test_no_translation_has_a_key_english_lacks(language: str) -> None:
    stray = sorted(
        f"{path.stem}.{key}"
        for path in (I18N / language).glob("*.json")
        for key in catalogue(language, path.stem)
        if key not in catalogue("en", path.stem)
    )
    assert stray == []


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
        if found.get("data-i18n-parts"):
            # Text with a node inside ({name}), which the page's script fills with tParts().
            self.attr_keys.append(found["data-i18n-parts"])
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


# ---------------------------------------------------------------- nothing left in English only

PAGES = sorted(FRONTEND.glob("*.html"))
SCRIPTS = sorted((FRONTEND / "js").glob("*.js"))
# Attributes a person reads or hears, which a page must translate like its text.
SPOKEN_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt")


class UnmarkedText(HTMLParser):
    """Text and spoken attributes in a page that no data-i18n / data-i18n-attr translates.

    The site header and skip link are translated by nav.js (the same on every page); text
    marked data-i18n-parts="key" is filled by the page's script with tParts() (it holds a
    node, such as a <time>); an element marked translate="no" (a product name, a command)
    is left as it is.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        # (tag, covered): covered when this element or one around it is translated or exempt.
        self.open: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        classes = (found.get("class") or "").split()
        covered = (
            bool(self.open and self.open[-1][1])
            or "data-i18n" in found
            or "data-i18n-parts" in found
            or found.get("translate") == "no"
            or "site-header" in classes
            or "skip-link" in classes
            or tag in ("script", "style")
        )
        translated = {
            pair.split(":", 1)[0].strip()
            for pair in (found.get("data-i18n-attr") or "").split(";")
            if ":" in pair
        }
        inside_header = (
            any(name == "header" and cover for name, cover in self.open) or "site-header" in classes
        )
        for attribute in SPOKEN_ATTRIBUTES:
            text = found.get(attribute) or ""
            if re.search(r"[A-Za-z]", text) and attribute not in translated and not inside_header:
                self.found.append(f'<{tag} {attribute}="{text}">')
        if tag not in ("br", "img", "input", "meta", "link", "hr", "source", "col", "wbr"):
            self.open.append((tag, covered))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            name, _ = self.open.pop()
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if re.search(r"[A-Za-z]", data) and not (self.open and self.open[-1][1]):
            self.found.append(" ".join(data.split()))


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_text_on_a_page_comes_from_a_catalogue(page: Path) -> None:
    parser = UnmarkedText()
    parser.feed(page.read_text(encoding="utf-8"))
    assert parser.found == [], (
        f"{page.name}: text without data-i18n / data-i18n-attr: {parser.found}"
    )


STRING_LITERAL = re.compile(r"'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\]|\\.)*)`")
# Reads as English prose: a capitalised word followed by more words, or three lower-case words.
PROSE = re.compile(r"^[A-Z][a-z]+(?: [A-Za-z’',.()?!:;-]+)+|[a-z]{2,} [a-z]{2,} [a-z]{2,}")
NOT_PROSE = [
    re.compile(r"^(?:(?:nofollow|noopener|noreferrer|ugc) ?)+$"),  # a link's rel
    re.compile(r"^Mac OS X$"),  # read from a user agent, not shown as written
    re.compile(r"^(?:Low|Lower middle|Upper middle|High) income$"),  # World Bank groups: API values
]


def prose_in(script: Path) -> list[str]:
    found = []
    for number, line in enumerate(script.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith(("//", "*", "/*")) or "console." in line:
            continue  # comments, and messages for developers in the console
        for match in STRING_LITERAL.finditer(line):
            text = match.group(1) or match.group(2) or ""
            if PROSE.search(text) and not any(pattern.search(text) for pattern in NOT_PROSE):
                found.append(f"{script.name}:{number}: {text}")
    return found


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda script: script.name)
def test_no_script_writes_interface_text_of_its_own(script: Path) -> None:
    """Interface text comes from t(); a string of English words in a script is text left out."""
    assert prose_in(script) == []


def test_the_prose_check_sees_prose() -> None:
    probe = FRONTEND / "js" / "api.js"
    assert PROSE.search("Loading the mail…") and PROSE.search("could not be loaded")
    assert not PROSE.search("entry.rule.yes") and not PROSE.search("button button-secondary")
    assert prose_in(probe) == []


def test_every_kind_of_mail_is_named_in_the_catalogues() -> None:
    """The account page and the mail log name each kind the API sends in the reader's language."""
    from app.mail.kinds import KINDS

    script = (FRONTEND / "js" / "mail-kinds.js").read_text(encoding="utf-8")
    listed = set(re.findall(r"'([a-z_]+)'", script[script.index("KNOWN_KINDS") :]))
    assert set(KINDS) <= listed
    for language in ("en", "fr", "es"):
        names = catalogue(language, "notifications")
        assert [kind for kind in sorted(KINDS) if f"kind.{kind}" not in names] == [], language
