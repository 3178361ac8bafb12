"""The real ``siantar run`` process against the fake Bot API: crashes, signals, start-up.

Each test writes a ``config.toml`` into its ``tmp_path``, starts the installed console
script (``siantar run``, or ``python -m bot.cli run`` when the script is missing) as a
subprocess with that directory as its working directory, and talks to it as a Telegram
resident through ``FakeTelegram``. The process's stdout and stderr go to files in
``tmp_path``; every process is killed in the fixture's teardown, so none outlives its test.

These tests are SQLite-only: they drive whole processes (kill -9, SIGTERM, restarts)
against a database file. The PostgreSQL leg of the same adapter code runs in-process in
``test_telegram.py`` (with ``TEST_DATABASE_URL`` set).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fake_telegram import BOT_USERNAME, SECOND_POLLER, TOKEN, FakeTelegram
from sqlalchemy import func
from sqlmodel import Session, col, select
from tiny_proxy import TinyProxy, serving_in_thread

from bot.telegram.polling import CONFLICT_SETTLE
from storage.db import make_engine
from storage.models import Aspiration, Conversation, OutboxMessage, ProcessedUpdate

TIMEOUT = 20.0  # the longest any single wait may take
QUIET = 0.25  # no new bot message for this long: the bot has finished answering
POLLING_READY = "telegram: polling for updates"
RUNNING = "siantar is running"
CONFIRM_DELAY = 12.0  # seconds; must exceed a restart (about 1 s, 4 s on a busy machine)
# README "The outbox": the rows a dead process held are due again within 15 s
RESEND_PROMISE = 15.0
LEASE_WAIT = RESEND_PROMISE + 10  # the claims have lapsed, and an outbox tick came
T = TypeVar("T")

USER_IDS = itertools.count(8101)


# --------------------------------------------------------------------------- helpers


def siantar_command() -> list[str]:
    """The installed console script next to this Python, else the module."""
    script = Path(sys.executable).parent / "siantar"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "bot.cli"]


def clean_env() -> dict[str, str]:
    """This environment without SIANTAR_* overrides (they would win over config.toml);
    SIANTAR_HOME stays, so nothing reaches the real user data folder."""
    return {
        k: v for k, v in os.environ.items() if not k.startswith("SIANTAR_") or k == "SIANTAR_HOME"
    }


def eventually(predicate: Callable[[], T | None], what: str, timeout: float = TIMEOUT) -> T:
    """Poll until ``predicate()`` is truthy (and return it); bounded."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def toml(value: Any) -> str:
    """A TOML value (JSON strings, numbers and booleans are valid TOML)."""
    return json.dumps(value)


class SiantarRun:
    """One ``siantar run`` process; its stdout/stderr are files in the work dir."""

    def __init__(self, workdir: Path, name: str, env: dict[str, str] | None = None) -> None:
        self.out_path = workdir / f"{name}.stdout"
        self.err_path = workdir / f"{name}.stderr"
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            self.proc = subprocess.Popen(
                [*siantar_command(), "run"],
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                cwd=workdir,
                env={**clean_env(), **(env or {})},
            )
        self.started_at = time.monotonic()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stderr(self) -> str:
        return self.err_path.read_text(encoding="utf-8", errors="replace")

    def stdout(self) -> str:
        return self.out_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, fragment: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while fragment not in self.stderr():
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"siantar exited ({self.proc.returncode}) before logging {fragment!r}:\n"
                    f"{self.stderr()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"no {fragment!r} after {timeout}s:\n{self.stderr()}")
            time.sleep(0.02)

    def kill9(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        assert self.proc.wait(TIMEOUT) == -signal.SIGKILL

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.proc.send_signal(signum)
        return self.proc.wait(TIMEOUT)

    def wait(self) -> int:
        return self.proc.wait(TIMEOUT)

    def ensure_dead(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()  # SIGKILL to this one pid
            self.proc.wait(TIMEOUT)


class Deployment:
    """A work dir with config.toml and a SQLite file, and the processes run in it."""

    def __init__(self, workdir: Path, fake: FakeTelegram) -> None:
        self.workdir = workdir
        self.fake = fake
        self.db_path = workdir / "siantar.db"
        self.runs: list[SiantarRun] = []
        self.port = 0  # of /healthz (and the webhooks), set by configure
        self.configure()

    def configure(
        self,
        *,
        token: str = TOKEN,
        telegram: dict[str, Any] | None = None,
        server: dict[str, Any] | None = None,
    ) -> None:
        lines = [
            "[database]",
            f"url = {toml(f'sqlite:///{self.db_path}')}",
            "[telegram]",
            "enabled = true",
            f"token = {toml(token)}",
            f"api_base_url = {toml(self.fake.base_url)}",
            *(f"{key} = {toml(value)}" for key, value in (telegram or {}).items()),
            "[media]",
            f"directory = {toml(str(self.workdir / 'media'))}",
        ]
        # every mode serves /healthz: a port of its own, so tests never share one
        server = {"host": "127.0.0.1", "port": free_port(), **(server or {})}
        self.port = int(server["port"])
        lines += ["[server]", *(f"{key} = {toml(value)}" for key, value in server.items())]
        (self.workdir / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def launch(self, env: dict[str, str] | None = None) -> SiantarRun:
        """Start ``siantar run``; ``env`` adds to (or overrides) this environment."""
        run = SiantarRun(self.workdir, f"run{len(self.runs) + 1}", env)
        self.runs.append(run)
        return run

    def start(self, ready: str = POLLING_READY, env: dict[str, str] | None = None) -> SiantarRun:
        run = self.launch(env)
        run.wait_for_log(ready)
        return run

    def read(self, query: Callable[[Session], T]) -> T:
        """Run ``query`` (a read, or a write that commits) on a fresh connection to the
        process's database file."""
        db = make_engine(f"sqlite:///{self.db_path}")
        try:
            with Session(db) as session:
                return query(session)
        finally:
            db.dispose()


class Resident:
    """A Telegram user of the fake server; each action waits for the bot to finish."""

    def __init__(self, fake: FakeTelegram, user_id: int | None = None) -> None:
        self.fake = fake
        self.user_id = next(USER_IDS) if user_id is None else user_id
        self.updates = 0  # how many updates this resident caused

    def messages(self) -> list[dict[str, Any]]:
        return self.fake.messages(self.user_id)

    def count(self, fragment: str) -> int:
        """How many bot messages contain ``fragment``."""
        return sum(fragment in (m["text"] or m["caption"] or "") for m in self.messages())

    def button(self, label: str, message: dict[str, Any] | None = None) -> tuple[int, str]:
        """(message id, callback data) of the button containing ``label`` on the bot's
        last message (or on ``message``)."""
        message = message or self.messages()[-1]
        labels = []
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                labels.append(button["text"])
                if label.casefold() in button["text"].casefold():
                    return message["message_id"], button["callback_data"]
        raise AssertionError(
            f"no button like {label!r} on message {message['message_id']}: {labels}"
        )

    def send(self, text: str) -> int:
        self.updates += 1
        return self.fake.send_text(self.user_id, text)

    def tap(self, label: str, message: dict[str, Any] | None = None) -> int:
        """Press a button without waiting; returns the update id."""
        message_id, data = self.button(label, message)
        self.updates += 1
        return self.fake.press(self.user_id, message_id, data)

    def settle(self, before: int) -> list[dict[str, Any]]:
        """Wait for a first new message, then until none arrive for QUIET; the new ones."""
        eventually(lambda: len(self.messages()) > before, f"a reply in chat {self.user_id}")
        count, deadline = len(self.messages()), time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            time.sleep(QUIET)
            if len(self.messages()) == count:
                break
            count = len(self.messages())
        return self.messages()[before:]

    def say(self, text: str) -> str:
        """Send text; the one reply's text (more than one reply fails)."""
        before = len(self.messages())
        self.send(text)
        return self._one([str(m["text"]) for m in self.settle(before)])

    def press(self, label: str, message: dict[str, Any] | None = None) -> str:
        """Press a button by label; the one reply's text."""
        return self._one(self.press_all(label, message))

    def press_all(self, label: str, message: dict[str, Any] | None = None) -> list[str]:
        """Press a button by label; the texts of all the replies."""
        before = len(self.messages())
        self.tap(label, message)
        return [str(m["text"]) for m in self.settle(before)]

    @staticmethod
    def _one(texts: list[str]) -> str:
        assert len(texts) == 1, f"expected one reply, got {texts}"
        return texts[0]


def onboard(resident: Resident) -> None:
    assert "Apakah Anda setuju" in resident.say("/start")
    assert "kecamatan mana" in resident.press("Setuju")
    assert "Apa yang ingin" in resident.press("Lewati")


def conversation_of(deployment: Deployment, resident: Resident) -> tuple[str, str, int, int]:
    def query(session: Session) -> tuple[str, str, int, int]:
        row = session.get(Conversation, ("telegram", str(resident.user_id)))
        assert row is not None
        return row.flow, row.step, row.prompt_id, row.version

    return deployment.read(query)


def outbox_of(deployment: Deployment, resident: Resident) -> list[OutboxMessage]:
    return deployment.read(
        lambda s: list(
            s.exec(
                select(OutboxMessage)
                .where(OutboxMessage.recipient == str(resident.user_id))
                .order_by(col(OutboxMessage.id))
            ).all()
        )
    )


def processed_updates(deployment: Deployment) -> int:
    return deployment.read(
        lambda s: int(s.exec(select(func.count()).select_from(ProcessedUpdate)).one())
    )


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def deployment(tmp_path: Path, fake: FakeTelegram) -> Iterator[Deployment]:
    deployment = Deployment(tmp_path, fake)
    try:
        yield deployment
    finally:
        for run in deployment.runs:
            run.ensure_dead()


# --------------------------------------------------------------------------- tests


def test_kill_9_mid_flow_continues_at_the_same_step(
    deployment: Deployment, fake: FakeTelegram
) -> None:
    first = deployment.start()
    resident = Resident(fake)
    onboard(resident)
    assert "Pilih kategorinya" in resident.press("Sampaikan aspirasi")
    assert "Di kecamatan mana" in resident.press("Kesehatan")

    # Hold back the confirmation of the next update (the bot's next getUpdates, which
    # carries the new offset, waits CONFIRM_DELAY at the server), so the kill -9 below
    # lands after the reply was sent and marked sent, but before Telegram heard that the
    # update was handled: the restarted process gets it again.
    fake.delay("getUpdates", CONFIRM_DELAY)
    before = len(resident.messages())
    kecamatan_update = resident.tap("Siantar Utara")
    [kelurahan_question] = resident.settle(before)
    assert "Di kelurahan mana di Kecamatan Siantar Utara" in kelurahan_question["text"]
    eventually(
        lambda: all(row.status == "sent" for row in outbox_of(deployment, resident)),
        "every reply marked sent",
    )
    state_at_kill = conversation_of(deployment, resident)
    first.kill9()
    killed_at = time.monotonic()
    fake.delay("getUpdates", 0)
    assert fake.pending_updates() >= 1  # the kecamatan press is still unconfirmed

    restarted_at = time.monotonic()
    deployment.start()
    eventually(lambda: fake.pending_updates() == 0, "the redelivered press confirmed")
    assert time.monotonic() - killed_at < CONFIRM_DELAY, "restart too slow for this test"
    assert conversation_of(deployment, resident) == state_at_kill  # not handled twice
    assert len(resident.messages()) == before + 1  # and not answered twice
    # The resident presses a kelurahan on the very keyboard the killed process sent.
    assert resident.messages()[-1]["message_id"] == kelurahan_question["message_id"]
    reply = resident.press("Martoba", kelurahan_question)
    assert "Tuliskan aspirasi" in reply  # the same step, continued
    # The restarted process did fetch the redelivered kecamatan press, and confirmed it
    # (offset past it) without answering it again.
    assert any(
        call.at > restarted_at and call.params.get("offset") == kecamatan_update + 1
        for call in fake.calls_to("getUpdates")
    ), fake.summary()

    text = "Selokan di depan Puskesmas Martoba tersumbat sejak dua minggu lalu."
    assert "foto atau lokasi" in resident.say(text)
    assert "Boleh nama Anda ditampilkan" in resident.press("Lewati")
    summary = resident.press("Tampilkan nama")
    assert "Kategori: Kesehatan" in summary and "Martoba" in summary
    confirmation, menu = resident.press_all("Kirim")  # the code, then the main menu
    assert "Kode pelacakan" in confirmation and "Apa yang ingin" in menu

    aspirations = deployment.read(lambda s: list(s.exec(select(Aspiration)).all()))
    assert len(aspirations) == 1
    [aspiration] = aspirations
    assert aspiration.category == "kesehatan"
    assert aspiration.kecamatan_code == "12.72.03"  # Siantar Utara, chosen before the kill
    assert aspiration.kelurahan_code == "12.72.03.1002"  # Martoba, chosen after it
    assert aspiration.text == text and aspiration.channel == "telegram"
    assert aspiration.code in confirmation
    # one answer per update (the last one is two messages): none twice, none dropped
    assert resident.updates == 11 and len(resident.messages()) == 12
    for question in (
        "Di kecamatan mana",
        "Di kelurahan mana",
        "Tuliskan aspirasi",
        "Kode pelacakan",
    ):
        assert resident.count(question) == 1, question
    assert resident.count("tidak berlaku") == 0
    # the dead process's held-back getUpdates is still asleep in the fake server: let it
    # wake before the fake shuts down (it then long-polls, which shutdown interrupts)
    time.sleep(max(0.0, killed_at + CONFIRM_DELAY + 0.2 - time.monotonic()))


def test_kill_9_between_commit_and_send_delivers_the_reply_after_restart(
    deployment: Deployment, fake: FakeTelegram
) -> None:
    first = deployment.start()
    resident = Resident(fake)
    onboard(resident)
    # The next sendMessage is answered "429 retry after 30 s": python-telegram-bot's rate
    # limiter then sleeps 30 s before sending again. The reply is committed (outbox row,
    # claimed by this process) but not sent when the process is killed in that sleep.
    fake.fail_next("sendMessage", status=429, retry_after=30, count=1)
    sent_before = len(fake.calls_to("sendMessage"))
    before = len(resident.messages())
    resident.tap("Sampaikan aspirasi")
    eventually(
        lambda: any(c.status == 429 for c in fake.calls_to("sendMessage")[sent_before:]),
        "the rate-limited sendMessage",
    )
    first.kill9()
    killed_at = time.monotonic()
    assert len(resident.messages()) == before  # nothing reached the resident

    state = conversation_of(deployment, resident)
    assert state[0] == "aspiration"  # committed: the resident moved on to the category step
    handled = processed_updates(deployment)
    rows = outbox_of(deployment, resident)
    [unsent] = [row for row in rows if row.status == "pending"]
    assert "Pilih kategorinya" in unsent.payload["text"]
    # claimed by the process that is now dead, for one lease (renewed while it lived)
    now = datetime.now(UTC)
    assert unsent.claimed_until is not None
    assert now < unsent.claimed_until <= now + timedelta(seconds=RESEND_PROMISE + 1)
    assert fake.pending_updates() == 1  # the press was never confirmed: it will come again

    deployment.start()
    # sent by the restarted process's outbox dispatcher once the dead one's claim
    # lapsed: within one lease of the kill, however long the 429 wait would have been
    eventually(lambda: len(resident.messages()) > before, "the reply", timeout=LEASE_WAIT)
    took = time.monotonic() - killed_at
    [delivered] = resident.settle(before)
    assert "Pilih kategorinya" in delivered["text"]
    assert took < RESEND_PROMISE + 5, f"the reply came {took:.1f} s after the kill"
    eventually(lambda: fake.pending_updates() == 0, "the redelivered press confirmed")
    time.sleep(1.0)  # room for a wrong second answer to show up
    assert len(resident.messages()) == before + 1  # delivered once, and only once
    assert resident.count("tidak berlaku") == 0  # the redelivered press was not re-handled
    assert conversation_of(deployment, resident) == state  # no second state change
    assert processed_updates(deployment) == handled
    [row] = [r for r in outbox_of(deployment, resident) if r.id == unsent.id]
    assert row.status == "sent" and row.external_id == str(delivered["message_id"])

    # and its keyboard works: the conversation goes on from there
    assert "Di kecamatan mana" in resident.press("Kesehatan", delivered)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_it_cleanly_and_it_starts_again(
    deployment: Deployment, fake: FakeTelegram, signum: int
) -> None:
    first = deployment.start()
    resident = Resident(fake)
    assert "Apakah Anda setuju" in resident.say("/start")
    began = time.monotonic()
    assert first.stop(signum) == 0
    assert time.monotonic() - began < 10
    log = first.stderr()
    assert log.rstrip().endswith("stopped"), log
    assert "Traceback" not in log
    wal = deployment.db_path.with_name(deployment.db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed on the way out

    second = deployment.start()
    assert "kecamatan mana" in resident.press("Setuju")  # the state survived
    assert second.stop(signum) == 0
    assert "Traceback" not in second.stderr()


def test_start_up_logs_one_line_per_step_and_no_secret(
    deployment: Deployment, fake: FakeTelegram
) -> None:
    run = deployment.start()
    resident = Resident(fake)
    fake.fail_next("sendMessage", status=502, count=1)  # a retried send gets logged too
    assert "Apakah Anda setuju" in resident.say("/start")
    assert run.stop() == 0

    log = run.stderr()
    steps = [
        f"configuration from {deployment.workdir / 'config.toml'}",
        "database ready (schema ",
        f"telegram: connected as @{BOT_USERNAME}",
        "scheduler started",
        POLLING_READY,
        RUNNING,
    ]
    lines = log.splitlines()
    for step in steps:
        assert sum(step in line for line in lines) == 1, f"{step!r}:\n{log}"
    assert "retrying" in log  # the 502 was logged…
    output = log + run.stdout()
    secret = TOKEN.split(":", 1)[1]
    assert TOKEN not in output and secret not in output  # …and no token anywhere
    assert run.stdout() == ""


def test_a_rejected_token_exits_2_with_one_line(deployment: Deployment, fake: FakeTelegram) -> None:
    other = "987654321:" + "Q" * 35  # well formed, but not the token the fake knows
    deployment.configure(token=other)
    run = deployment.launch()
    assert run.wait() == 2
    err = run.stderr()
    mentions = [line for line in err.splitlines() if "telegram.token" in line]
    assert len(mentions) == 1, err
    assert mentions[0].startswith("siantar: gagal:") and err.rstrip().endswith(mentions[0])
    assert "Traceback" not in err
    assert other not in err + run.stdout() and other.split(":", 1)[1] not in err
    assert [c.status for c in fake.calls_to("getMe")] == [401]


def test_webhook_mode(deployment: Deployment, fake: FakeTelegram) -> None:
    port = free_port()
    url = "https://bot.example.org/telegram/webhook"
    deployment.configure(
        telegram={"mode": "webhook", "webhook_url": url, "webhook_secret": "s3cret-token"},
        server={"host": "127.0.0.1", "port": port},
    )
    run = deployment.start(ready=RUNNING)
    hook = fake.webhook
    assert hook is not None
    assert hook["url"] == url and hook["secret_token"] == "s3cret-token"

    chat_id = next(USER_IDS)
    start = {
        "update_id": 777001,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Rina"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Rina", "language_code": "id"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10, trust_env=False) as client:

        def healthz() -> httpx.Response | None:
            try:
                return client.get("/healthz")
            except httpx.TransportError:
                return None  # the server task is still binding its socket

        health = eventually(healthz, "the web server")
        assert health.status_code == 200 and health.json()["database"] == "ok"
        assert health.json()["channels"] == ["telegram"]

        assert client.post("/telegram/webhook", json=start).status_code == 403
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "wrong-token"}
        assert client.post("/telegram/webhook", json=start, headers=wrong).status_code == 403
        right = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
        assert client.post("/telegram/webhook", json=start, headers=right).status_code == 200
        [consent] = fake.messages(chat_id)  # sent before the 200
        assert "Apakah Anda setuju" in consent["text"]
        # Telegram retries a webhook it thinks failed: handled once
        assert client.post("/telegram/webhook", json=start, headers=right).status_code == 200
        time.sleep(QUIET)
        assert len(fake.messages(chat_id)) == 1
        # a body over 1 MiB is refused; one that is no update is 400, not a traceback
        too_large = b" " * (1024 * 1024 + 1)
        assert client.post("/telegram/webhook", content=too_large, headers=right).status_code == 413
        for odd in (b"[]", b"null", b"[" * 100_000 + b"]" * 100_000):
            assert client.post("/telegram/webhook", content=odd, headers=right).status_code == 400

    assert fake.calls_to("getUpdates") == []  # no polling in webhook mode
    assert run.stop() == 0
    assert "Traceback" not in run.stderr()


class StillRunningAfterSignal(Exception):
    """The process did not stop within the bound after SIGTERM."""


def test_a_signal_during_a_get_updates_backoff_stops_it_promptly(
    deployment: Deployment, fake: FakeTelegram
) -> None:
    run = deployment.start()
    fake.fail_next("getUpdates", status=429, retry_after=20)
    Resident(fake).send("/start")  # wakes the long poll, so the next getUpdates gets the 429
    eventually(
        lambda: any(c.status == 429 for c in fake.calls_to("getUpdates")), "the 429 on getUpdates"
    )
    run.proc.send_signal(signal.SIGTERM)
    try:
        returncode = run.proc.wait(5)
    except subprocess.TimeoutExpired:
        raise StillRunningAfterSignal(
            "still running 5 s after SIGTERM: it first sleeps out retry_after = 20 s"
        ) from None
    assert returncode == 0


@pytest.mark.parametrize("mode", ["webhook", "polling"])
def test_a_taken_port_exits_2_with_one_line_before_telegram_is_used(
    deployment: Deployment, fake: FakeTelegram, mode: str
) -> None:
    """Polling serves /healthz on [server] too: a taken port is the same one line."""
    webhook = {
        "webhook_url": "https://bot.example.org/telegram/webhook",
        "webhook_secret": "s3cret-token",
    }
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        deployment.configure(
            telegram={"mode": mode, **(webhook if mode == "webhook" else {})},
            server={"host": "127.0.0.1", "port": port},
        )
        run = deployment.launch()
        assert run.wait() == 2
    err = run.stderr()
    assert err.rstrip().splitlines()[-1] == (
        f"siantar: gagal: tidak bisa membuka 127.0.0.1:{port} untuk menerima sambungan "
        "(server.host/server.port): alamat itu sedang dipakai proses lain"
    )
    assert "Traceback" not in err
    assert fake.webhook is None  # Telegram was not pointed at a server that never came up
    assert fake.calls_to("getUpdates") == []  # nor polled


def get_health(port: int) -> httpx.Response:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10, trust_env=False) as client:

        def healthz() -> httpx.Response | None:
            try:
                return client.get("/healthz")
            except httpx.TransportError:
                return None  # the server task is still binding its socket

        return eventually(healthz, "the health check")


def test_polling_mode_serves_healthz_too(deployment: Deployment, fake: FakeTelegram) -> None:
    run = deployment.start()
    health = get_health(deployment.port)
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "channels": ["telegram"]}
    with httpx.Client(timeout=10, trust_env=False) as client:  # no webhook when polling
        webhook = client.post(f"http://127.0.0.1:{deployment.port}/telegram/webhook", json={})
    assert webhook.status_code == 404
    assert "Apakah Anda setuju" in Resident(fake).say("/start")  # and it polls
    assert run.stop() == 0
    assert f"web server on http://127.0.0.1:{deployment.port}" in run.stderr()
    assert "Traceback" not in run.stderr()


def test_a_409_conflict_at_start_exits_2_with_one_line(
    deployment: Deployment, fake: FakeTelegram
) -> None:
    fake.fail_next("getUpdates", status=409, description=SECOND_POLLER)
    run = deployment.launch()
    assert run.wait() == 2
    err = run.stderr()
    assert err.rstrip().splitlines()[-1] == (
        "siantar: gagal: proses lain sudah menerima pesan untuk bot ini (Telegram menjawab "
        "409 Conflict); jalankan satu proses polling saja, atau pakai mode webhook "
        "(telegram.mode)"
    )
    assert "Traceback" not in err and "telegram.error" not in err


def test_a_second_polling_process_stops_with_one_line_and_the_first_goes_on(
    deployment: Deployment, fake: FakeTelegram, tmp_path: Path
) -> None:
    """Two processes polling one bot (the second with a database of its own, as on
    a developer's laptop with the production token): Telegram ends the first one's
    getUpdates with 409 when the second's arrives. The first takes the updates back,
    the second stops with one line, and residents are answered throughout."""
    first = deployment.start()
    time.sleep(max(0.0, first.started_at + CONFLICT_SETTLE + 3 - time.monotonic()))
    (tmp_path / "laptop").mkdir()
    laptop = Deployment(tmp_path / "laptop", fake)
    try:
        second = laptop.launch()
        assert second.wait() == 2
        err = second.stderr()
        last = err.rstrip().splitlines()[-1]
        assert last.startswith("siantar: gagal: proses lain sudah menerima pesan untuk bot ini")
        assert "Traceback" not in err
    finally:
        for run in laptop.runs:
            run.ensure_dead()
    conflicts = [c for c in fake.calls_to("getUpdates") if c.status == 409]
    assert len(conflicts) == 2  # the first's wait, ended by the second; then the second's
    assert "Apakah Anda setuju" in Resident(fake).say("/start")  # the first still serves
    assert first.proc.poll() is None
    assert "taking them back" in first.stderr()
    assert first.stop() == 0
    assert "Traceback" not in first.stderr()


PROXY_PASSWORD = "Rahasia-Kantor-42"


def test_behind_a_proxy_url_with_a_password_every_call_goes_through_it(
    deployment: Deployment, fake: FakeTelegram
) -> None:
    with serving_in_thread(TinyProxy(credentials=("kantor", PROXY_PASSWORD))) as proxy:
        deployment.configure(
            telegram={"proxy_url": proxy.url_with("http", "kantor", PROXY_PASSWORD)}
        )
        run = deployment.start()
        assert "Apakah Anda setuju" in Resident(fake).say("/start")
        assert run.stop() == 0
    methods = {path.rsplit("/", 1)[-1] for path in proxy.paths()}
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= methods
    assert len(fake.calls) <= len(proxy.paths())  # none went past the proxy
    log = run.stderr()
    assert f"telegram: Bot API calls go through the proxy at {proxy.url}" in log
    assert PROXY_PASSWORD not in log + run.stdout()


def test_behind_the_environments_http_proxy_every_call_goes_through_it(
    deployment: Deployment, fake: FakeTelegram
) -> None:
    with serving_in_thread(TinyProxy()) as proxy:
        # the fake Bot API is http://127.0.0.1:…, so HTTP_PROXY is the one that applies
        run = deployment.start(env={"HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url})
        assert "Apakah Anda setuju" in Resident(fake).say("/start")
        assert run.stop() == 0
    methods = {path.rsplit("/", 1)[-1] for path in proxy.paths()}
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= methods
    assert len(fake.calls) <= len(proxy.paths())
    assert f"telegram: Bot API calls go through the proxy at {proxy.url}" in run.stderr()
