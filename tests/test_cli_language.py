"""The command line speaks one language: Indonesian unless ``siantar --lang en``.

What it prints, its refusals (its own and the storage layer's), the frame of a
failure, argparse's complaints and ``--help``. Counts take their plural form
("1 pendaftaran" / "1 registration", "0 registrations"). Representative refusals
are checked in both languages here and beside their commands: a bad segment
(test_announce_cli), a bad export filter and a database not ready
(test_cli_data), a unit (test_opd_directory).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.cli.refusals import FAMILIES as REFUSAL_FAMILIES
from bot.cli.say import t, use_language
from bot.cli.usage import ARGPARSE, asked_language
from bot.i18n import load_catalog

ARGPARSE_GETTEXT = argparse._  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def indonesian_afterwards() -> Iterator[None]:
    """Other tests call the commands' functions without main: leave the default."""
    yield
    use_language("id")


@pytest.fixture
def base(tmp_path: Path) -> list[str]:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "siantar.db"}"\n')
    return ["--config", str(config)]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_indonesian_by_default_english_on_request(
    base: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, *base, "db", "upgrade")
    assert code == 0 and out.startswith("Basis data sudah terbaru (revisi ")
    _, out, _ = run(capsys, "--lang", "en", *base, "db", "upgrade")
    assert out.startswith("Database is up to date (revision ")

    assert run(capsys, *base, "role", "list")[1] == "belum ada peran yang diberikan\n"
    assert run(capsys, "--lang", "en", *base, "role", "list")[1] == "no roles granted\n"

    assert run(capsys, *base, "role", "grant", "telegram:7", "staff")[1] == (
        "telegram:7: peran staff diberikan\n"
    )
    assert run(capsys, "--lang", "en", *base, "role", "revoke", "telegram:7", "staff")[1] == (
        "telegram:7: staff revoked\n"
    )
    assert t.language == "id"  # the run's language ends with the run


@pytest.mark.parametrize(
    ("language", "expected"),
    [("id", "0 pendaftaran ditulis ke "), ("en", "0 registrations written to ")],
)
def test_an_export_says_what_it_wrote_in_the_runs_language(
    base: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    language: str,
    expected: str,
) -> None:
    run(capsys, *base, "db", "upgrade")
    out = tmp_path / "pendaftaran.csv"
    args = ["--lang", language, *base, "export", "registrations", "--format", "csv"]
    code, _, err = run(capsys, *args, "--out", str(out))
    assert code == 0 and err == f"{expected}{out}\n"
    assert "aspirations written" not in err and "registrations ditulis" not in err


def test_a_refusal_is_in_the_runs_language(
    base: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *base, "role", "grant", "bob", "staff")
    assert code == 2 and "identitas 'bob' tidak sah" in err
    code, _, err = run(capsys, "--lang", "en", *base, "role", "grant", "bob", "staff")
    assert code == 2 and "invalid identity 'bob'" in err


def test_an_unknown_language_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as leaving:
        main(["--lang", "fr", "role", "list"])
    assert leaving.value.code == 2
    assert capsys.readouterr().err == (
        "siantar: gagal: argumen --lang: pilihan tidak sah: 'fr' (pilih dari 'id', 'en') "
        "(lihat 'siantar --help')\n"
    )


def help_of(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as leaving:
        main([*args, "--help"])
    assert leaving.value.code == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_help_is_indonesian_by_default_and_english_with_lang_en(
    capsys: pytest.CaptureFixture[str],
) -> None:
    indonesian = help_of(capsys)
    assert indonesian.startswith("cara pakai: siantar [-h] [--config PATH]")
    assert "\nargumen:\n" in indonesian and "\nopsi:\n" in indonesian
    assert "-h, --help      tampilkan bantuan ini, lalu keluar" in indonesian
    assert "export        ekspor data yang terkumpul" in indonesian
    english = help_of(capsys, "--lang", "en")
    assert english.startswith("usage: siantar [-h] [--config PATH]")
    assert "\npositional arguments:\n" in english and "\noptions:\n" in english
    assert "-h, --help      show this help message and exit" in english
    assert "export        export collected data" in english
    assert t.language == "id"

    export = help_of(capsys, "export")
    assert export.startswith("cara pakai: siantar export [-h] --format {csv,xlsx,json}")
    assert "--out PATH|-          berkas tujuan, atau - untuk stdout" in export
    assert "aspirasi di unit ini (misalnya PUPR)" in export
    export_en = help_of(capsys, "--lang=en", "export")
    assert export_en.startswith("usage: siantar export [-h] --format {csv,xlsx,json}")
    assert "--out PATH|-          file, or - for stdout" in export_en
    # option names, choices and metavars are the contract: the same in both
    for contract in ("--format {csv,xlsx,json}", "--out PATH|-", "--since DATE", "--opd CODE"):
        assert contract in export and contract in export_en


def subcommands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, ...]]:
    """The path of every subcommand below ``parser`` (``("training", "add")`` …)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield (name,)
                yield from ((name, *rest) for rest in subcommands(child))


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_help_text_is_in_the_catalog(
    language: str, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    paths = list(subcommands(build_parser()))
    assert ("training", "add") in paths and ("announce", "send") in paths
    for path in [(), *paths]:
        text = help_of(capsys, "--lang", language, *path)
        assert "cli." not in text, (path, text)  # a key printed as is: missing
    assert "missing from every catalog" not in caplog.text


def test_argparse_words_keep_argparse_placeholders() -> None:
    """argparse fills its words with %: each sentence keeps the msgid's placeholders."""
    placeholder = re.compile(r"%\(\w+\)[sr]|%[sr]")
    for language in ("id", "en"):
        catalog = load_catalog(language)
        for msgid, key in ARGPARSE.items():
            assert sorted(placeholder.findall(catalog[key])) == sorted(
                placeholder.findall(msgid)
            ), (language, key)
    assert load_catalog("en")["cli.argparse.required"] == (
        "the following arguments are required: %s"
    )


@pytest.mark.parametrize(
    ("language", "line"),
    [
        (
            None,
            "siantar export: gagal: argumen ini wajib diisi: --format, --out "
            "(lihat 'siantar export --help')\n",
        ),
        (
            "en",
            "siantar export: error: the following arguments are required: --format, --out "
            "(see 'siantar export --help')\n",
        ),
    ],
)
def test_a_missing_argument_is_said_in_the_runs_language(
    capsys: pytest.CaptureFixture[str], language: str | None, line: str
) -> None:
    chosen = ["--lang", language] if language else []
    with pytest.raises(SystemExit) as leaving:
        main([*chosen, "export", "aspirations"])
    assert leaving.value.code == 2
    assert capsys.readouterr().err == line
    assert argparse._ is ARGPARSE_GETTEXT  # type: ignore[attr-defined]  # given back after the run


@pytest.mark.parametrize(
    ("language", "start"),
    [
        (None, "siantar: gagal: program.toml: bukan TOML yang sah: "),
        ("en", "siantar: error: program.toml: not valid TOML: "),
    ],
)
def test_a_bad_toml_file_is_refused_in_the_runs_language(
    base: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    language: str | None,
    start: str,
) -> None:
    program = tmp_path / "program.toml"
    program.write_text('title = "Pelatihan\n', encoding="utf-8")
    chosen = ["--lang", language] if language else []
    code, out, err = run(capsys, *chosen, *base, "training", "add", str(program))
    assert (code, out) == (2, "")
    assert err.startswith(start.replace("program.toml", str(program))) and err.count("\n") == 1


@pytest.mark.parametrize(
    ("language", "line"),
    [
        (None, "siantar: gagal: berkas konfigurasi tidak ada: nope.toml"),
        ("en", "siantar: error: config file not found: nope.toml"),
    ],
)
def test_a_missing_config_file_is_named_in_the_runs_language(
    capsys: pytest.CaptureFixture[str], language: str | None, line: str
) -> None:
    chosen = ["--lang", language] if language else []
    code, _, err = run(capsys, *chosen, "--config", "nope.toml", "role", "list")
    assert (code, err) == (2, line + "\n")


@pytest.mark.parametrize(
    ("argv", "language"),
    [
        ([], None),
        (["--lang", "en", "export"], "en"),
        (["--lang=en", "export"], "en"),
        (["--la", "en", "export"], "en"),  # argparse takes abbreviations
        (["--config", "c.toml", "--lang", "en", "export"], "en"),
        (["--config=en", "export"], None),  # a config file named en
        (["--lang", "en", "--lang", "id", "export"], "id"),  # the last one, as argparse
        (["--lang", "fr", "export"], None),  # refused by argparse, in Indonesian
        (["chat", "--lang", "en"], None),  # the resident's language hint, not the CLI's
        (["--config", "c.toml", "stats", "--lang", "en"], None),  # the chart's language
    ],
)
def test_the_language_is_found_before_argparse_reads_the_line(
    argv: list[str], language: str | None
) -> None:
    assert asked_language(argv) == language


# The CLI's own table, but for ConfigError (its reason is not its first argument),
# and with the polling conflict that siantar run ends with as a StartupError.
FAMILIES = {
    **{name: family for name, family in REFUSAL_FAMILIES.items() if name != "ConfigError"},
    "PollingConflict": "startup",
}
RAISED = re.compile(r"\b(" + "|".join(FAMILIES) + r")\(\s*\"(\w+)\"")
# reasons only residents meet (a registration, an RSVP, a subscription): the chat words them
CHAT_ONLY = {
    ("training", "already"),
    ("training", "not_active"),
    ("forum", "answer"),
    ("forum", "closed"),
    ("forum", "scope"),
}
# reasons made at run time, not written as a literal at the raise site
COMPUTED = {
    ("export", "unknown_status"),
    ("export", "unknown_category"),
    ("unit", "bad_name"),
    ("unit", "bad_short_name"),
    ("database", "empty"),
    ("database", "unknown_revision"),
    ("database", "behind"),
    ("training", "quota_taken"),
}


def test_siantar_runs_start_up_refusals_are_in_the_runs_language() -> None:
    from bot.cli.refusals import refusal
    from bot.runner import StartupError

    taken = OSError(98, "Address already in use")
    taken.errno = 98  # EADDRINUSE
    problem = StartupError(
        "cannot_listen", "English line", host="0.0.0.0", port="8080", problem=taken
    )
    assert refusal(problem) == (
        "tidak bisa membuka 0.0.0.0:8080 untuk menerima sambungan "
        "(server.host/server.port): alamat itu sedang dipakai proses lain"
    )
    use_language("en")
    assert refusal(problem) == (
        "cannot listen on 0.0.0.0:8080 (server.host/server.port): Address already in use"
    )
    use_language("id")


def test_every_refusal_the_cli_can_meet_is_worded_in_both_languages() -> None:
    """A storage refusal with a new reason gets its ``cli.<family>.<reason>`` entry
    (else the CLI would show its English line inside an Indonesian frame)."""
    root = Path(__file__).parents[1]
    raised = {
        (FAMILIES[name], reason)
        for folder in ("storage", "bot")
        for path in (root / folder).rglob("*.py")
        for name, reason in RAISED.findall(path.read_text(encoding="utf-8"))
    }
    assert ("export", "not_for_kind") in raised and ("unit", "exists") in raised
    assert ("startup", "cannot_listen") in raised and ("startup", "second_poller") in raised
    for language in ("id", "en"):
        catalog = load_catalog(language)
        missing = sorted(
            f"cli.{family}.{reason}"
            for family, reason in (raised - CHAT_ONLY) | COMPUTED
            if f"cli.{family}.{reason}" not in catalog
        )
        assert missing == [], language


def test_a_refusal_is_worded_from_its_reason_or_shown_as_it_is() -> None:
    from bot.cli.refusals import refusal
    from storage.exports import ExportError
    from storage.trainings import TrainingError

    missing = TrainingError("not_found", "no training program 1234", id=1234)
    assert refusal(missing) == "program pelatihan 1234 tidak ada"  # a number, not 1.234
    use_language("en")
    assert refusal(missing) == "no training program 1234"
    use_language("id")
    # a reason the catalog does not know, or one raised without its values: the line
    assert refusal(ExportError("new_reason", "an English line")) == "an English line"
    assert refusal(TrainingError("not_found", "no program")) == "no program"
