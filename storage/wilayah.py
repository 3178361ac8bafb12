"""The official kecamatan and kelurahan of Kota Pematangsiantar (Kemendagri codes)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Kelurahan:
    code: str
    name: str
    kecamatan_code: str


@dataclass(frozen=True)
class Kecamatan:
    code: str
    name: str
    kelurahan: tuple[Kelurahan, ...]


@dataclass(frozen=True)
class Wilayah:
    """Lookups over the shipped list; codes are the keys stored in the database."""

    kecamatan: tuple[Kecamatan, ...]

    def find_kecamatan(self, code: str | None) -> Kecamatan | None:
        return next((k for k in self.kecamatan if k.code == code), None)

    def find_kelurahan(self, code: str | None) -> Kelurahan | None:
        return self._kelurahan_by_code().get(code or "")

    def kecamatan_of(self, kelurahan_code: str) -> Kecamatan | None:
        kelurahan = self.find_kelurahan(kelurahan_code)
        return self.find_kecamatan(kelurahan.kecamatan_code) if kelurahan else None

    def _kelurahan_by_code(self) -> dict[str, Kelurahan]:
        return _index(self)


@cache
def _index(wilayah: Wilayah) -> dict[str, Kelurahan]:
    return {kel.code: kel for kec in wilayah.kecamatan for kel in kec.kelurahan}


@cache
def load_wilayah() -> Wilayah:
    """Read ``data/wilayah_pematangsiantar.csv`` shipped inside the package."""
    source = resources.files("storage") / "data" / "wilayah_pematangsiantar.csv"
    grouped: dict[tuple[str, str], list[Kelurahan]] = {}
    text = source.read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text, newline="")):
        key = (row["kecamatan_code"], row["kecamatan"])
        grouped.setdefault(key, []).append(
            Kelurahan(row["kelurahan_code"], row["kelurahan"], row["kecamatan_code"])
        )
    return Wilayah(
        tuple(
            Kecamatan(code, name, tuple(kelurahan))
            for (code, name), kelurahan in sorted(grouped.items())
        )
    )
