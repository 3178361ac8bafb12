"""Issue 19, the resident's first screen and the service's own facts: a short
first screen (≤ 400 characters before the buttons) with the full notice a press
away; a wrong reply gets only the question again; help as a short menu; the
emergency line, the expected time frame and, outside office hours, when a person
reads it; the ``[service]`` config."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from dialogue import ONBOARD, TO_SUMMARY, Chat, play

from bot.config import ConfigError, Settings, load_settings
from handlers.core.contact import OfficeHours, ServiceFacts
from handlers.core.engine import Engine
from handlers.registry import FLOWS
from storage.clock import WIB
from storage.sla import Calendar

FIRST_SCREEN_BUDGET = 400
QUESTION = "Apakah Anda setuju data Anda kami simpan untuk itu?"
WELCOME = "Halo! Selamat datang"
FULL_NOTICE = "Sebelum mulai, ini cara kami menjaga data Anda"
EMERGENCY = "Untuk keadaan darurat, jangan lewat chat ini — hubungi 112."
HELP_MENU = ["Cara kerja", "Data saya", "Kontak petugas", "Perintah lengkap"]
CLOSED = "Kantor kami sedang tutup. Petugas mulai membacanya"
SEND = (("press", "Kirim"), "Kode pelacakan")
CITY = ServiceFacts(
    name="Dinas Kominfo Kota Pematangsiantar",
    office="Jl. Merdeka No. 6",
    phone="0622-21234",
    whatsapp="0812-3456-7890",
    emergency=("112", "113 (pemadam kebakaran)"),
)


def wib(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


def with_facts(engine: Engine, facts: ServiceFacts) -> Engine:
    return Engine(engine.db, replace(engine.settings, service=facts), FLOWS)


# --- item 1: the first screen ---------------------------------------------------------


def test_the_first_screen_is_short_and_says_who_what_why_where_and_the_rights(
    chat: Chat,
) -> None:
    [screen] = chat.send("halo")
    assert len(screen.text) <= FIRST_SCREEN_BUDGET, len(screen.text)
    assert screen.text.startswith(WELCOME) and screen.text.endswith(QUESTION)
    for told in ("Pemerintah Kota Pematangsiantar", "foto", "lokasi", "nomor HP untuk pelatihan"):
        assert told in screen.text
    for told in ("jawaban forum", "dinas yang bertanggung jawab", "/datasaya", "/hapusdata"):
        assert told in screen.text
    assert FULL_NOTICE not in screen.text
    assert chat.labels == ["Setuju", "Tidak setuju", "Baca selengkapnya"]


def test_the_english_first_screen_is_short_too(engine: Engine) -> None:
    chat = Chat(engine, language_hint="en")
    [screen] = chat.send("hello")
    assert len(screen.text) <= FIRST_SCREEN_BUDGET, len(screen.text)
    assert "dinas" in screen.text and "/hapusdata" in screen.text
    assert chat.labels == ["I agree", "I don't agree", "Read the full notice"]
    assert all(len(label) <= 20 for label in chat.labels)  # WhatsApp's button titles


def test_the_longest_service_name_allowed_keeps_the_first_screen_in_budget(
    engine: Engine,
) -> None:
    longest = "D" * Settings().service.model_fields["name"].metadata[0].max_length
    for user, language in (("2001", "id"), ("2002", "en")):
        facts = ServiceFacts(name=longest)
        chat = Chat(with_facts(engine, facts), user_id=user, language_hint=language)
        [screen] = chat.send("halo")
        assert longest in screen.text and len(screen.text) <= FIRST_SCREEN_BUDGET


@pytest.mark.parametrize("wrong", ["halo", "7", "/xyz"])
def test_a_wrong_reply_repeats_only_the_question(chat: Chat, wrong: str) -> None:
    [screen] = chat.send("halo")
    [again] = chat.send(wrong)
    assert WELCOME not in again.text and again.text.endswith(QUESTION)
    assert len(again.text) < 200
    assert (again.options, again.prompt_id) == (screen.options, screen.prompt_id)
    chat.send("masih salah")
    assert WELCOME not in chat.last.text  # nor the second time
    play(chat, [(("press", "Setuju"), "Anda tinggal di kecamatan mana")])


def test_read_more_shows_the_full_notice_then_the_same_question(chat: Chat) -> None:
    [screen] = chat.send("halo")
    [notice] = chat.press("Baca selengkapnya")
    assert notice.text.startswith(FULL_NOTICE) and notice.text.endswith(QUESTION)
    for told in ("nomor HP", "foto", "lokasi", "jawaban kehadiran forum", "dinas", "UU No. 27"):
        assert told in notice.text
    assert WELCOME not in notice.text
    assert chat.labels == ["Setuju", "Tidak setuju", "Baca selengkapnya"]
    assert notice.prompt_id == screen.prompt_id  # the first screen's buttons still work
    play(chat, [(("press", "Setuju"), "Anda tinggal di kecamatan mana")])


def test_read_more_then_decline(chat: Chat) -> None:
    chat.send("halo")
    play(chat, [(("press", "Baca"), FULL_NOTICE), (("press", "Tidak setuju"), "Tidak apa-apa")])


def test_start_again_shows_the_whole_first_screen(chat: Chat) -> None:
    chat.send("halo")
    chat.send("halo")
    [screen] = chat.send("/start")
    assert screen.text.startswith(WELCOME)


def test_a_language_change_before_consent_shows_the_whole_screen_in_it(chat: Chat) -> None:
    chat.send("halo")
    chat.send("/bahasa")
    chat.press("English")
    assert "Hello! Welcome" in chat.last.text and "Do you agree" in chat.last.text


# --- item 6: help as a short menu -----------------------------------------------------


def test_the_menus_help_is_a_short_menu_with_the_emergency_line(chat: Chat) -> None:
    play(chat, [*ONBOARD, (("press", "Bantuan"), "Pilih yang ingin Anda ketahui")])
    assert EMERGENCY in chat.last.text
    assert chat.labels == [*HELP_MENU, "Kembali ke menu"]
    assert "/batal" not in chat.last.text  # no command wall


def test_each_help_entry(chat: Chat) -> None:
    play(chat, [*ONBOARD, (("press", "Bantuan"), "Bantuan")])
    play(chat, [(("press", "Cara kerja"), "memeriksanya dalam 3 hari kerja")])
    assert "dinas yang bertanggung jawab" in chat.said and "/status KODE" in chat.said
    assert chat.labels == [*HELP_MENU, "Kembali ke menu"]  # the help menu again
    play(chat, [(("press", "Kontak petugas"), "Pemerintah Kota Pematangsiantar")])
    assert "Jam layanan: Senin–Jumat 08.00–16.00 WIB" in chat.said and EMERGENCY in chat.said
    for empty in ("Kantor:", "Telepon:", "WhatsApp:"):  # not filled in: not shown
        assert empty not in chat.said
    play(chat, [(("press", "Perintah lengkap"), "/status KODE — cek status aspirasi")])
    assert "/menu — kembali ke menu utama" in chat.said
    play(chat, [(("press", "Data saya"), "/tarikpersetujuan")])
    assert chat.labels == [
        "Lihat data saya",
        "Ubah profil",
        "Hapus data saya",
        "Kembali ke bantuan",
    ]
    play(chat, [(("press", "Kembali ke bantuan"), "Pilih yang ingin Anda ketahui")])
    play(chat, [(("press", "Kembali ke menu"), "Apa yang ingin Anda lakukan?")])


def test_the_contact_card_shows_what_the_operator_filled_in(engine: Engine) -> None:
    chat = Chat(with_facts(engine, CITY))
    play(chat, [*ONBOARD, (("press", "Bantuan"), "Bantuan"), (("press", "Kontak"), "Kominfo")])
    for line in (
        "Dinas Kominfo Kota Pematangsiantar",
        "Kantor: Jl. Merdeka No. 6",
        "Telepon: 0622-21234",
        "WhatsApp: 0812-3456-7890",
        "hubungi 112 atau 113 (pemadam kebakaran).",
    ):
        assert line in chat.said


def test_the_contact_card_in_english(engine: Engine) -> None:
    chat = Chat(with_facts(engine, CITY), language_hint="en")
    chat.send("hello")
    chat.press("I agree")
    chat.press("Skip")
    chat.send("/bantuan")
    chat.help_entry("contact")
    assert "Phone: 0622-21234" in chat.said
    assert "Service hours: Monday–Friday 08:00–16:00 WIB" in chat.said


def test_help_command_is_the_menu_whose_buttons_act_from_any_step(chat: Chat) -> None:
    play(chat, [*ONBOARD, *TO_SUMMARY[:4]])  # at the aspiration's text
    question = chat.last
    help_message, again = chat.send("/bantuan")
    assert [o.label for o in help_message.options] == HELP_MENU
    assert EMERGENCY in help_message.text and len(help_message.text) < 200
    assert again.text == question.text and again.prompt_id == question.prompt_id
    chat.help_entry("contact")
    card, asked = chat.last_batch
    assert "Jam layanan" in card.text and asked.prompt_id == question.prompt_id
    chat.help_entry("how")
    assert "Cara kerja:" in chat.last_batch[0].text
    play(chat, [("Jalan Sutomo di depan pasar berlubang besar.", "foto atau lokasi")])


# --- item 6: after submitting ---------------------------------------------------------


def submitted(chat: Chat, at: datetime) -> str:
    """The aspiration of ``TO_SUMMARY`` sent at ``at`` (the form filled just before)."""
    chat.clock.now = at.astimezone(UTC) - timedelta(minutes=5)
    play(chat, ONBOARD + TO_SUMMARY)
    chat.clock.now = at.astimezone(UTC)
    play(chat, [SEND])
    return chat.said


def test_after_submitting_the_emergency_line_and_the_verification_day(chat: Chat) -> None:
    said = submitted(chat, wib(2026, 12, 2, 10))  # a Wednesday, in office hours
    assert EMERGENCY in said
    # 3 working days after Wednesday 2 December: Thursday, Friday, Monday
    assert "Petugas akan memeriksanya paling lambat Senin, 7 Desember" in said
    assert CLOSED not in said
    assert said.count("meneruskan") == 1 and "instansi terkait" not in said  # said once, plainly


def test_outside_office_hours_says_when_a_person_reads_it(chat: Chat) -> None:
    said = submitted(chat, wib(2026, 12, 4, 18, 30))  # Friday evening
    assert f"{CLOSED} Senin, 7 Desember 2026 pukul 08.00 WIB." in said


def test_before_opening_on_a_working_day_it_is_read_that_morning(chat: Chat) -> None:
    said = submitted(chat, wib(2026, 12, 2, 6, 15))
    assert f"{CLOSED} Rabu, 2 Desember 2026 pukul 08.00 WIB." in said


def test_a_holiday_is_closed_and_the_next_working_day_opens(chat: Chat) -> None:
    said = submitted(chat, wib(2026, 12, 24, 17))  # Christmas Day follows, then a weekend
    assert f"{CLOSED} Senin, 28 Desember 2026 pukul 08.00 WIB." in said


def test_an_anonymous_aspiration_without_consent_gets_the_same_lines(chat: Chat) -> None:
    chat.clock.now = wib(2026, 12, 2, 10).astimezone(UTC)
    chat.send("halo")
    chat.press("Tidak setuju")
    play(chat, TO_SUMMARY[:5])
    play(chat, [(("press", "Lewati"), "Periksa lagi"), (("press", "Kirim"), "Kode: ASP-")])
    assert EMERGENCY in chat.said and "paling lambat" in chat.said


def test_no_emergency_numbers_leaves_the_line_out(engine: Engine) -> None:
    chat = Chat(with_facts(engine, ServiceFacts(emergency=())))
    said = submitted(chat, wib(2026, 12, 2, 10))
    assert "keadaan darurat" not in said and "paling lambat" in said


# --- office hours, pure -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "open_now", "opening"),
    [
        (wib(2026, 12, 2, 8), True, wib(2026, 12, 3, 8)),
        (wib(2026, 12, 2, 15, 59), True, wib(2026, 12, 3, 8)),
        (wib(2026, 12, 2, 16), False, wib(2026, 12, 3, 8)),
        (wib(2026, 12, 2, 7, 59), False, wib(2026, 12, 2, 8)),
        (wib(2026, 12, 5, 10), False, wib(2026, 12, 7, 8)),  # Saturday
        (wib(2026, 12, 25, 10), False, wib(2026, 12, 28, 8)),  # Christmas, a Friday
    ],
)
def test_office_hours(moment: datetime, open_now: bool, opening: datetime) -> None:
    hours, calendar = OfficeHours(), Calendar()
    assert hours.is_open(moment, calendar) is open_now
    assert hours.next_opening(moment.astimezone(UTC), calendar) == opening


def test_a_cuti_bersama_is_closed() -> None:
    calendar = Calendar(extra_holidays=frozenset({date(2026, 12, 3)}))
    assert OfficeHours().next_opening(wib(2026, 12, 2, 17), calendar) == wib(2026, 12, 4, 8)


def test_hours_described_in_each_language() -> None:
    saturday = OfficeHours(days=frozenset({0, 1, 2, 3, 4, 5}), opens=time(7, 30))
    assert saturday.describe("id") == "Senin–Sabtu 07.30–16.00 WIB"
    split = OfficeHours(days=frozenset({0, 2, 3}))
    assert split.describe("en") == "Monday, Wednesday–Thursday 08:00–16:00 WIB"


# --- the [service] config ---------------------------------------------------------------


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "cfg.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ={}, cwd=tmp_path)


def test_service_defaults(tmp_path: Path) -> None:
    facts = load(tmp_path, "").service.facts
    assert facts == ServiceFacts()
    assert (facts.office, facts.phone, facts.whatsapp) == ("", "", "")  # for the operator
    assert facts.emergency == ("112",)
    assert facts.hours == OfficeHours(frozenset(range(5)), time(8), time(16))


def test_service_from_the_config(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        '[service]\nname = "Dinas Kominfo"\nphone = " 0622-21234 "\n'
        'days = "Senin-Jumat, sabtu"\nopens = "07:30"\ncloses = "15:00"\n'
        'emergency = ["112", "113"]\n',
    )
    facts = settings.service.facts
    assert (facts.name, facts.phone, facts.emergency) == (
        "Dinas Kominfo",
        "0622-21234",
        ("112", "113"),
    )
    assert facts.hours == OfficeHours(frozenset(range(6)), time(7, 30), time(15))


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('days = "senin-libur"', "service.days"),
        ('days = "jumat-senin"', "service.days"),
        ('opens = "25:00"', "service.opens"),
        ('closes = ""', "service.closes"),
        ('opens = "16:00"\ncloses = "08:00"', "service.opens"),
        ('opens = "9:00"\ncloses = "10:00"', ""),  # fine: a one-digit hour is a time
        (f'name = "{"x" * 51}"', "service.name"),
        ('name = ""', "service.name"),
        ('emergency = [""]', "service.emergency"),
        ("emergency = 112", "service.emergency"),
        ('hours = "Senin–Jumat"', "service.hours"),
    ],
)
def test_service_validation(tmp_path: Path, text: str, named: str) -> None:
    if not named:
        load(tmp_path, f"[service]\n{text}\n")
        return
    with pytest.raises(ConfigError) as info:
        load(tmp_path, f"[service]\n{text}\n")
    assert named in str(info.value) and "\n" not in str(info.value)


def test_help_typed_at_the_menu_is_the_question_so_numbers_choose_its_entries(
    chat: Chat,
) -> None:
    """At the menu, /bantuan once printed the help entries [1]–[4] and then the menu
    [1]–[6] again: a typed "4" opened Forum & pengumuman, not Perintah lengkap."""
    play(chat, ONBOARD)
    [help_menu] = chat.send("/bantuan")
    assert EMERGENCY in help_menu.text
    assert chat.labels == [*HELP_MENU, "Kembali ke menu"]
    play(chat, [("4", "/status KODE — cek status aspirasi")])
    play(chat, [("bantuan", "Pilih yang ingin Anda ketahui")])  # the word, too
