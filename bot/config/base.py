"""Shared pieces of the settings models: the config error, strict model settings,
the environment overrides and the field types that several sections use.

They live apart from the sections so every section module can import them
without importing the others (and without the loader)."""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, ConfigDict, StringConstraints

#: Environment variable -> (section, key) it overrides when set and non-empty.
ENV_OVERRIDES: Mapping[str, tuple[str, str]] = types.MappingProxyType(
    {
        "SIANTAR_DATABASE_URL": ("database", "url"),
        "SIANTAR_TELEGRAM_TOKEN": ("telegram", "token"),
        "SIANTAR_WHATSAPP_ACCESS_TOKEN": ("whatsapp", "access_token"),
        "SIANTAR_WHATSAPP_APP_SECRET": ("whatsapp", "app_secret"),
        "SIANTAR_HASH_KEY": ("privacy", "hash_key"),
    }
)
ENV_FOR_KEY: dict[str, str] = {f"{s}.{k}": env for env, (s, k) in ENV_OVERRIDES.items()}


# TOML values are typed, so the models are strict: `port = "8080"` or
# `enabled = "true"` is reported instead of being silently coerced.
MODEL_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True)


class ConfigError(Exception):
    """A configuration problem; ``str()`` is one English line naming the file and key.

    A problem with the file itself (not found, unreadable, not TOML) also has a
    ``reason`` and ``params``, for the CLI to word in the operator's language
    (``cli.config.<reason>``); a problem with a value (pydantic's validation, in
    many variants) has ``reason`` "" and is shown as ``str()``."""

    def __init__(self, message: str, reason: str = "", **params: object) -> None:
        super().__init__(" ".join(message.split()))
        self.reason = reason
        self.params = params


class RuleError(ValueError):
    """A validation failure whose message already names the dotted key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


# --------------------------------------------------------------------------- helpers


def _http_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL with a host")
    return value.rstrip("/")


def url_password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def masked(url: str) -> str:
    """``url`` with its password (if any) shown as ``***``, for repr."""
    password = url_password(url)
    return url.replace(f":{password}@", ":***@") if password else url


_IDENTITY_RES: tuple[re.Pattern[str], ...] = (
    re.compile(r"telegram:[0-9]+"),
    re.compile(r"whatsapp:[0-9]{8,15}"),
    re.compile(r"console:[A-Za-z0-9_.\-]{1,64}"),
)


def _identity(value: str) -> str:
    if not any(p.fullmatch(value) for p in _IDENTITY_RES):
        raise ValueError(
            f"{value!r} is not a valid identity (expected telegram:<user id>, "
            "whatsapp:<8-15 digits, E.164 without +> or console:<id>)"
        )
    return value


Identity = Annotated[str, AfterValidator(_identity)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
NonEmptyStr = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
