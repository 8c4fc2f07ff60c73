"""The documentation in the repository stays true: README.md and docs/*.md link only to files
(and headings) that exist, every network example in docs/network-file.md loads, and every
`nntui …` command the docs show parses with the options it uses."""

from __future__ import annotations

import re
import shlex
import unicodedata
from pathlib import Path

import pytest

from nntui.cli import COMMANDS, main
from nntui.engine.loader import loads_spec
from nntui.engine.presets import PRESETS, worked_example_spec

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DOC_FILES = sorted(DOCS.glob("*.md"))
ALL_FILES = [ROOT / "README.md", *DOC_FILES]
#: The pages the README promises; each must exist and be linked from it.
EXPECTED_PAGES = ("network-file.md", "command-line.md", "json-formats.md", "conventions.md")

FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _ids(paths: list[Path]) -> list[str]:
    return [str(path.relative_to(ROOT)) for path in paths]


def _blocks(text: str) -> list[tuple[str, str]]:
    """Fenced code blocks as (info string, content)."""
    return [(m.group(1).strip(), m.group(2)) for m in FENCE.finditer(text)]


def _prose(text: str) -> str:
    """The text without fenced code blocks and code spans: where links live."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.replace("`", "").strip().lower()
    kept = "".join(
        char for char in text if char in " -_" or unicodedata.category(char)[0] in ("L", "M", "N")
    )
    return kept.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for match in HEADING.finditer(FENCE.sub("", path.read_text(encoding="utf-8"))):
        slug = _slug(match.group(1))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


# -- (a) links ------------------------------------------------------------------------------


def test_the_promised_pages_exist_and_the_readme_links_each() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in EXPECTED_PAGES:
        assert (DOCS / page).is_file(), page
        assert f"](docs/{page})" in readme, f"README.md does not link docs/{page}"


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_every_relative_link_points_at_a_file_and_heading_that_exist(path: Path) -> None:
    links = LINK.findall(_prose(path.read_text(encoding="utf-8")))
    broken = []
    for link in links:
        if re.match(r"[a-z][a-z0-9+.-]*:", link):  # https:, mailto:
            continue
        target, _, anchor = link.partition("#")
        file = (path.parent / target).resolve() if target else path
        if not file.exists():
            broken.append(f"{link}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
            broken.append(f"{link}: no heading #{anchor} in {file.name}")
    assert not broken, broken


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_no_mention_of_a_file_outside_the_repository(path: Path) -> None:
    """The outside SPEC is not in the repository; neither is any repository path that is
    written in code (`nntui/cli.py`, `benchmarks/README.md`) but does not exist."""
    text = path.read_text(encoding="utf-8")
    assert "SPEC" not in text
    top = {p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")}
    missing = [
        span
        for span in CODE_SPAN.findall(text)
        if re.fullmatch(r"[\w.-]+(/[\w.-]+)+/?", span)
        and span.split("/")[0] in top
        and not (ROOT / span).exists()
    ]
    assert not missing, missing


# -- (b) the network examples load ------------------------------------------------------------


def _network_examples() -> list[tuple[str, str]]:
    text = (DOCS / "network-file.md").read_text(encoding="utf-8")
    return [(info, body) for info, body in _blocks(text) if info in ("toml", "json")]


def test_network_file_has_toml_and_json_examples() -> None:
    kinds = [info for info, _ in _network_examples()]
    assert kinds.count("toml") >= 2 and kinds.count("json") >= 1, kinds


@pytest.mark.parametrize(
    "number, info, body",
    [(n, info, body) for n, (info, body) in enumerate(_network_examples())],
    ids=[f"example {n} ({info})" for n, (info, _) in enumerate(_network_examples())],
)
def test_every_network_example_loads(number: int, info: str, body: str) -> None:
    spec = loads_spec(body, f"docs/network-file.md example {number}", info)  # type: ignore[arg-type]
    assert spec.n_samples >= 1 and spec.layers


def test_the_first_examples_are_the_worked_example_in_toml_and_in_json() -> None:
    examples = _network_examples()
    toml = next(body for info, body in examples if info == "toml")
    json = next(body for info, body in examples if info == "json")
    assert loads_spec(toml, "net.toml") == worked_example_spec()
    assert loads_spec(json, "net.json") == worked_example_spec()


# -- (c) the commands parse ---------------------------------------------------------------------


def _console_commands(text: str) -> list[tuple[list[str], str]]:
    """Each `$ nntui …` line of a console block, as arguments (up to a pipe or redirection),
    with the line shown after it."""
    commands = []
    for info, body in _blocks(text):
        if info != "console":
            continue
        lines = body.splitlines()
        for k, line in enumerate(lines):
            if not line.startswith("$ "):
                continue
            words = shlex.split(line[2:], comments=False)
            cut = next((i for i, w in enumerate(words) if w in ("|", ">", "2>", ";")), len(words))
            following = lines[k + 1] if k + 1 < len(lines) else ""
            if words and words[0] == "nntui":
                commands.append((words[1:cut], following))
    return commands


def _shown_commands() -> list[tuple[str, list[str], str]]:
    return [
        (path.name, args, following)
        for path in DOC_FILES
        for args, following in _console_commands(path.read_text(encoding="utf-8"))
    ]


def _help(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    status = main([*args, "--help"])
    out, err = capsys.readouterr()
    assert status == 0, (args, err)
    assert err == ""
    return out


def test_command_line_doc_shows_commands() -> None:
    names = {args[0] for page, args, _ in _shown_commands() if page == "command-line.md" and args}
    assert {"export", "train", "presets"} <= names, names


@pytest.mark.parametrize(
    "page, args, following",
    _shown_commands(),
    ids=[f"{page}: nntui {' '.join(args)}" for page, args, _ in _shown_commands()],
)
def test_every_shown_command_parses(
    page: str, args: list[str], following: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`nntui ARGS --help` exits 0 with the help of the right command: argparse checks every
    option and value before it reaches --help."""
    usage = _help(args, capsys).splitlines()[0]
    command = args[0] if args and args[0] in COMMANDS else None
    assert usage.startswith(f"usage: nntui {command}" if command else "usage: nntui [-h]"), usage
    if command is None and args and not args[0].startswith("-"):
        net = args[0]
        shown_as_error = following.startswith("nntui: error:")
        assert net in PRESETS or net.endswith((".toml", ".json")) or shown_as_error, net


def _synopses() -> list[str]:
    """Every `nntui …` code span of the README and the docs, e.g. the synopsis tables'."""
    spans = {
        span
        for path in ALL_FILES
        for span in CODE_SPAN.findall(path.read_text(encoding="utf-8"))
        if span == "nntui" or span.startswith("nntui ")
    }
    return sorted(spans)


@pytest.mark.parametrize("span", _synopses())
def test_every_synopsis_names_a_command_and_options_it_has(
    span: str, capsys: pytest.CaptureFixture[str]
) -> None:
    words = span.replace("[", " ").replace("]", " ").replace("|", " ").split()[1:]
    if words and words[0] == "COMMAND":  # `nntui COMMAND --help`: for every command
        commands = [[command] for command in COMMANDS]
    else:
        commands = [[words[0]] if words and words[0] in COMMANDS else []]
    for command in commands:
        help_text = _help(command, capsys)
        for word in words:
            if word.startswith("-"):
                assert re.search(rf"(^|[\s,\[]){re.escape(word)}\b", help_text), (span, word)


def test_every_command_is_documented() -> None:
    text = (DOCS / "command-line.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        assert f"`nntui {command}" in text, command


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_option_of_every_command_is_documented(
    command: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `--help` offers, docs/command-line.md explains: no option goes undocumented."""
    help_text = _help([] if command is None else [command], capsys)
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", help_text))
    text = (DOCS / "command-line.md").read_text(encoding="utf-8")
    documented = {
        word for span in CODE_SPAN.findall(text) for word in re.findall(r"--[a-z][a-z-]+", span)
    }
    assert options, help_text
    assert options <= documented, sorted(options - documented)
