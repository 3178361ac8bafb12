"""``[telegram]``: the Telegram Bot API channel's settings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, Field, SecretStr, model_validator

from bot.config.base import MODEL_CONFIG, HttpUrl, RuleError, masked

_PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def _proxy_url(value: str) -> str:
    # Never echo the URL: it may carry a password.
    value = value.strip()
    if not value:
        return value
    parts = urlsplit(value)
    if parts.scheme not in _PROXY_SCHEMES or not parts.hostname:
        raise ValueError(
            "must be an http://, https://, socks5:// or socks5h:// URL with a host, "
            "like http://proxy.example.go.id:3128"
        )
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        port = 0
    if port == 0:
        raise ValueError("has a port that is not a number from 1 to 65535")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("must be scheme://[user:password@]host[:port], without a path")
    return value.rstrip("/")


_TELEGRAM_TOKEN_RE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
_WEBHOOK_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class TelegramSettings(BaseModel):
    """``[telegram]``: the Telegram Bot API channel."""

    model_config = MODEL_CONFIG

    enabled: bool = False
    token: SecretStr = SecretStr("")
    api_base_url: HttpUrl = "https://api.telegram.org"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    webhook_secret: SecretStr = SecretStr("")
    # Bot API calls on their way at once (see bot/telegram/request.py)
    connections: int = Field(default=16, ge=1, le=256)
    # Proxy for Bot API calls; "" honours HTTPS_PROXY etc. (see bot/telegram/proxy.py)
    proxy_url: Annotated[str, AfterValidator(_proxy_url)] = ""

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # proxy_url is a plain string but may embed a password: mask it in repr.
        for name, value in super().__repr_args__():
            yield name, masked(value) if name == "proxy_url" else value

    @model_validator(mode="after")
    def _check_rules(self) -> TelegramSettings:
        if self.enabled:
            token = self.token.get_secret_value()
            if not token:
                raise RuleError(
                    "telegram.token",
                    "telegram.token is required when telegram.enabled = true "
                    "(set it in the config file or SIANTAR_TELEGRAM_TOKEN)",
                )
            if not _TELEGRAM_TOKEN_RE.fullmatch(token):
                raise RuleError(
                    "telegram.token",
                    "telegram.token does not look like a Bot API token (expected 123456:ABC...)",
                )
        if self.mode == "webhook":
            url = urlsplit(self.webhook_url)
            if url.scheme != "https" or not url.netloc:
                raise RuleError(
                    "telegram.webhook_url",
                    "telegram.webhook_url must be a public https:// URL "
                    'when telegram.mode = "webhook"',
                )
            if not _WEBHOOK_SECRET_RE.fullmatch(self.webhook_secret.get_secret_value()):
                raise RuleError(
                    "telegram.webhook_secret",
                    'telegram.webhook_secret is required when telegram.mode = "webhook" '
                    "and must be 1-256 characters of A-Z, a-z, 0-9, _ and -",
                )
        return self
