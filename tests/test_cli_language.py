"""The command line speaks one language: Indonesian unless ``siantar --lang en``.

Counts in what it prints take their plural form ("1 pendaftaran" / "1 registration",
"0 registrations").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.cli.say import t, use_language


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
    assert "invalid choice" in capsys.readouterr().err
