"""The categories residents recognise (four new ones, concrete labels, typed words,
menu order), old keys still shown and exported, and ``[opd] categories``: each
category's default unit from the config, passed to the engine."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from dialogue import Chat
from sqlalchemy import Engine as Database
from staff_helpers import RESIDENT, person, seat, seed, state

from bot import cli
from bot.app import build_app, categories
from bot.config import ConfigError, Settings, load_settings
from bot.i18n import load_catalog
from handlers.core.engine import Engine
from storage.exports import AspirationFilter, export_aspirations
from storage.models import CATEGORY_KEYS
from storage.opd import CATEGORY_UNITS

NEW = {
    "kependudukan": "Administrasi kependudukan (KTP, KK, akta)",
    "perhubungan": "Perhubungan (lampu jalan, angkot, parkir, rambu)",
    "air": "Air bersih (PDAM, air mati)",
    "bencana": "Bencana & banjir",
}


def test_every_category_is_in_the_menu_in_its_order() -> None:
    keys = [c.key for c in categories(Settings())]
    assert keys == list(CATEGORY_KEYS)
    assert keys[0] == "infrastruktur" and keys[-1] == "lainnya"
    # the city's services residents report most come before the general ones
    for service in ("perhubungan", "air", "bencana", "kependudukan"):
        assert keys.index(service) < keys.index("kesehatan") < keys.index("ekonomi"), service


@pytest.mark.parametrize("language", ["id", "en"])
def test_labels_are_concrete(language: str) -> None:
    catalog = load_catalog(language)
    for key in CATEGORY_KEYS:
        assert catalog[f"category.{key}"], key
        assert key in catalog[f"words.category_{key}"].split("|"), key  # the key is typed too
    if language == "id":
        for key, label in NEW.items():
            assert catalog[f"category.{key}"] == label
        for key in CATEGORY_KEYS:  # each label has its word
            assert key in catalog[f"category.{key}"].casefold(), key
        assert catalog["category.pelayanan"] == (
            "Pelayanan publik (pengurusan surat, izin, layanan kantor)"
        )


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("ktp", "kependudukan"),
        ("Akta kelahiran", "kependudukan"),
        ("banjir", "bencana"),
        ("Lampu jalan", "perhubungan"),
        ("PDAM", "air"),
        ("air", "air"),
        ("sampah", "lingkungan"),
        ("surat", "pelayanan"),
        ("jembatan", "infrastruktur"),
    ],
)
def test_a_typed_word_picks_its_category(engine: Engine, typed: str, key: str) -> None:
    resident = person(engine, RESIDENT, name="Budi Siregar")
    resident.press("Sampaikan aspirasi")
    labels = resident.labels
    assert [label for label in labels if label in NEW.values()] == [
        NEW["perhubungan"], NEW["air"], NEW["bencana"], NEW["kependudukan"],
    ]  # fmt: skip
    resident.send(typed)
    assert "kecamatan" in resident.said.casefold(), resident.said
    assert state(resident)[2]["category"] == key


def test_an_aspiration_of_every_category_still_shows_and_exports(
    engine: Engine, db: Database
) -> None:
    owner = seat(engine, "console:2002", name="Rina")
    codes = {key: seed(engine, resident_id=owner, category=key) for key in CATEGORY_KEYS}
    out = io.BytesIO()
    export_aspirations(engine=db, fmt="json", out=out, filters=AspirationFilter())
    exported = {row["code"]: row["category"] for row in json.loads(out.getvalue())}
    assert exported == {code: key for key, code in codes.items()}
    reader = person_of(engine)
    catalog = load_catalog("id")
    for key, code in codes.items():
        reader.send(f"/status {code}")
        assert catalog[f"category.{key}"] in reader.said, key


def person_of(engine: Engine) -> Chat:
    """The owner of the seeded aspirations, at the menu."""
    chat = Chat(engine, user_id="2002", channel="console", name="Rina")
    chat.send("/menu")
    return chat


# --- [opd] categories ----------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite:///siantar.db"\n{text}', encoding="utf-8")
    return path


def test_the_config_overrides_a_category_unit(tmp_path: Path) -> None:
    path = write(tmp_path, '[opd]\ncategories = { infrastruktur = "perkim", air = "PUPR" }\n')
    units = load_settings(path).opd.category_units()
    assert units == CATEGORY_UNITS | {"infrastruktur": "PERKIM", "air": "PUPR"}
    app = build_app(load_settings(path))
    try:
        assert app.engine.settings.category_units == units
    finally:
        app.db.dispose()
    assert load_settings(write(tmp_path, "")).opd.category_units() == CATEGORY_UNITS


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            '{ banjir = "BPBD" }',
            "opd.categories: unknown category 'banjir'; categories are: "
            + ", ".join(CATEGORY_KEYS),
        ),
        ('{ air = "PDAM Tirtauli" }', "opd.categories.air: 'PDAM Tirtauli' is not a unit code"),
        ("{ air = 1 }", "opd.categories.air"),
    ],
)
def test_a_bad_category_unit_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, message: str
) -> None:
    path = write(tmp_path, f"[opd]\ncategories = {table}\n")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_settings(path)
    capsys.readouterr()
    assert cli.main(["--config", str(path), "opd", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_the_example_mapping_is_valid_when_uncommented(tmp_path: Path) -> None:
    example = (Path(__file__).parents[1] / "config.example.toml").read_text(encoding="utf-8")
    [line] = [x for x in example.splitlines() if x.startswith("# categories = {")]
    units = load_settings(write(tmp_path, "[opd]\n" + line.removeprefix("# ") + "\n"))
    assert units.opd.categories == {"infrastruktur": "PUPR", "lingkungan": "DLH"}
