"""``siantar run`` serves Konsol with no chat channel enabled (a city may start with
the console and the CLI), as an operator starts it."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
from cli_helpers import COMMAND


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_siantar_run_serves_konsol_without_a_chat_channel(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "config.toml").write_text(
        '[database]\nurl = "sqlite:///siantar.db"\n'
        f"[server]\nport = {port}\n"
        '[roles]\nadmins = ["console:admin"]\n'
        '[web]\nenabled = true\npublic_url = "https://konsol.example.go.id"\n',
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [*COMMAND, "--config", "config.toml", "run"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        page = None
        for _ in range(300):
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/konsol/masuk", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.1)
        assert page is not None and page.status_code == 200
        assert "Masuk ke Konsol" in page.text
        assert page.headers["x-frame-options"] == "DENY"
        home = httpx.get(f"http://127.0.0.1:{port}/konsol/", timeout=2)
        assert home.status_code == 303 and home.headers["location"] == "/konsol/masuk"
        link = subprocess.run(
            [*COMMAND, "--config", "config.toml", "web", "link", "console:admin"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        token = link.rsplit("/", 1)[1]
        login = httpx.post(f"http://127.0.0.1:{port}/konsol/masuk/{token}", timeout=5)
        assert login.status_code == 303 and "konsol_sesi=" in login.headers["set-cookie"]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
