"""Typed settings for siantar-bot, loaded once at start-up.

Resolution order (see DESIGN.md section 5): an explicit path (``--config``), else
``$SIANTAR_CONFIG``, else ``./config.toml`` if it exists, else built-in defaults.
A few secrets may come from the environment instead of the file; an environment
variable that is set and non-empty wins over the file.

Relative paths in the settings (the SQLite file of ``database.url``,
``media.directory``) are made absolute here, once: against the config file's
folder, or the data folder when there is no config file (``bot/paths.py``). Code
that reads the settings never sees a path that depends on the current folder.

Every problem is reported as one :class:`ConfigError` whose message is a single
line naming the file and the dotted key. Secret values never appear in error
messages or in ``repr(settings)``.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import tomllib
import types
import typing
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.paths import data_folder, resolve_database_url, resolve_folder
from storage.models import CATEGORY_KEYS, CategoryKey
from storage.reminders import parse_offset
from storage.retention import Retention

logger = logging.getLogger(__name__)

__all__ = [
    "CATEGORY_KEYS",
    "ENV_OVERRIDES",
    "AspirationSettings",
    "BroadcastSettings",
    "CategoryKey",
    "CategorySetting",
    "ConfigError",
    "ConversationSettings",
    "DatabaseSettings",
    "MediaSettings",
    "RolesSettings",
    "ServerSettings",
    "Settings",
    "TelegramSettings",
    "WhatsAppSettings",
    "WhatsAppTemplate",
    "load_settings",
]

DEFAULT_SOURCE = "built-in defaults"
CONFIG_ENV_VAR = "SIANTAR_CONFIG"
CONFIG_FILE_NAME = "config.toml"

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
_ENV_FOR_KEY: dict[str, str] = {f"{s}.{k}": env for env, (s, k) in ENV_OVERRIDES.items()}

_MAX_REPORTED_ERRORS = 5
HASH_KEY_MIN_CHARS = 32  # [privacy] hash_key: 128 bits at least, even written in hex

# TOML values are typed, so the models are strict: `port = "8080"` or
# `enabled = "true"` is reported instead of being silently coerced.
_MODEL_CONFIG = ConfigDict(extra="forbid", frozen=True, strict=True)


class ConfigError(Exception):
    """A configuration problem; ``str()`` is one line naming the file and key."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class _RuleError(ValueError):
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


_DB_URL_RE = re.compile(r"^(sqlite|postgresql)(\+[A-Za-z0-9_]+)?://")


def _database_url(value: str) -> str:
    # Never echo the URL: it may carry a password.
    if not _DB_URL_RE.match(value):
        raise ValueError(
            "must start with 'sqlite' or 'postgresql' "
            "(e.g. sqlite:///siantar.db or postgresql+psycopg://user@host/dbname)"
        )
    return value


def _url_password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _masked(url: str) -> str:
    """``url`` with its password (if any) shown as ``***``, for repr."""
    password = _url_password(url)
    return url.replace(f":{password}@", ":***@") if password else url


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

_TELEGRAM_TOKEN_RE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
_WEBHOOK_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")

# --------------------------------------------------------------------------- models


class DatabaseSettings(BaseModel):
    """``[database]``: where state lives (SQLite by default, PostgreSQL to scale)."""

    model_config = _MODEL_CONFIG

    url: Annotated[str, AfterValidator(_database_url)] = "sqlite:///siantar.db"

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # The URL is a plain string but may embed a password: mask it in repr.
        yield "url", _masked(self.url)


class TelegramSettings(BaseModel):
    """``[telegram]``: the Telegram Bot API channel."""

    model_config = _MODEL_CONFIG

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
            yield name, _masked(value) if name == "proxy_url" else value

    @model_validator(mode="after")
    def _check_rules(self) -> TelegramSettings:
        if self.enabled:
            token = self.token.get_secret_value()
            if not token:
                raise _RuleError(
                    "telegram.token",
                    "telegram.token is required when telegram.enabled = true "
                    "(set it in the config file or SIANTAR_TELEGRAM_TOKEN)",
                )
            if not _TELEGRAM_TOKEN_RE.fullmatch(token):
                raise _RuleError(
                    "telegram.token",
                    "telegram.token does not look like a Bot API token (expected 123456:ABC...)",
                )
        if self.mode == "webhook":
            url = urlsplit(self.webhook_url)
            if url.scheme != "https" or not url.netloc:
                raise _RuleError(
                    "telegram.webhook_url",
                    "telegram.webhook_url must be a public https:// URL "
                    'when telegram.mode = "webhook"',
                )
            if not _WEBHOOK_SECRET_RE.fullmatch(self.webhook_secret.get_secret_value()):
                raise _RuleError(
                    "telegram.webhook_secret",
                    'telegram.webhook_secret is required when telegram.mode = "webhook" '
                    "and must be 1-256 characters of A-Z, a-z, 0-9, _ and -",
                )
        return self


#: Outbox kinds that may reach a resident outside WhatsApp's 24-hour window, so
#: each needs an approved template (``[whatsapp.templates.<kind>]``) to go out then.
WHATSAPP_TEMPLATE_KINDS = (
    "status",
    "training",
    "training_reminder",
    "announcement",
    "forum_reminder",
    "forum_notice",
    "forum_summary",
)
#: What a template's body parameters may be filled with, in order: the message
#: text, its first line, the text after the first line, the resident's name.
WHATSAPP_TEMPLATE_PARAMS = ("text", "first_line", "rest", "name")


class WhatsAppTemplate(BaseModel):
    """``[whatsapp.templates.<kind>]``: an approved template for one message kind."""

    model_config = _MODEL_CONFIG

    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,512}$")]
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")] = "id"
    params: list[Literal["text", "first_line", "rest", "name"]] = ["text"]


class WhatsAppSettings(BaseModel):
    """``[whatsapp]``: the WhatsApp Cloud API channel."""

    model_config = _MODEL_CONFIG

    enabled: bool = False
    phone_number_id: str = ""
    access_token: SecretStr = SecretStr("")
    app_secret: SecretStr = SecretStr("")
    verify_token: SecretStr = SecretStr("")
    api_base_url: HttpUrl = "https://graph.facebook.com"
    templates: dict[str, WhatsAppTemplate] = {}

    @field_validator("templates")
    @classmethod
    def _known_kinds(cls, value: dict[str, WhatsAppTemplate]) -> dict[str, WhatsAppTemplate]:
        known = (*WHATSAPP_TEMPLATE_KINDS, "reply")
        for kind in value:
            if kind not in known:
                raise ValueError(
                    f"unknown message kind {kind!r} (expected one of {', '.join(known)})"
                )
        return value

    def missing_templates(self) -> list[str]:
        """The message kinds without a template (checked when ``siantar run`` starts)."""
        return [kind for kind in WHATSAPP_TEMPLATE_KINDS if kind not in self.templates]

    @field_validator("phone_number_id")
    @classmethod
    def _digits(cls, value: str) -> str:
        if value and not value.isdigit():
            raise ValueError("must be digits only (the Phone number ID from Meta's app dashboard)")
        return value

    @model_validator(mode="after")
    def _check_rules(self) -> WhatsAppSettings:
        if not self.enabled:
            return self
        present = {
            "phone_number_id": bool(self.phone_number_id),
            "access_token": bool(self.access_token.get_secret_value()),
            "app_secret": bool(self.app_secret.get_secret_value()),
            "verify_token": bool(self.verify_token.get_secret_value()),
        }
        missing = [f"whatsapp.{key}" for key, ok in present.items() if not ok]
        if missing:
            named = [f"{k} (or {_ENV_FOR_KEY[k]})" if k in _ENV_FOR_KEY else k for k in missing]
            raise _RuleError(missing[0], "whatsapp.enabled = true requires " + ", ".join(named))
        return self


class ServerSettings(BaseModel):
    """``[server]``: the HTTP server for webhooks and /healthz."""

    model_config = _MODEL_CONFIG

    host: NonEmptyStr = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)


class RolesSettings(BaseModel):
    """``[roles]``: identities granted a role from the config file."""

    model_config = _MODEL_CONFIG

    admins: list[Identity] = []
    staff: list[Identity] = []
    facilitators: list[Identity] = []


TELEGRAM_MAX_PER_SECOND = 30.0  # what Telegram lets a bot send, all chats together


class BroadcastSettings(BaseModel):
    """``[broadcast]``: outbox send rates per platform (messages per second), shared
    by every ``siantar run`` process on one database.

    ``telegram_fake_api`` is for tests and benchmarks against a stand-in Bot API
    (``tests/fake_telegram.py``) only: it lets ``telegram_per_second`` go above
    Telegram's 30, up to 1000. A self-hosted ``telegram-bot-api`` server does not
    need it: it passes every message on to Telegram, whose limits still apply."""

    model_config = _MODEL_CONFIG

    telegram_fake_api: bool = False  # (before the rate: its validator reads it)
    telegram_per_second: float = Field(default=25.0, gt=0, le=1000, allow_inf_nan=False)
    whatsapp_per_second: float = Field(default=40.0, gt=0, le=1000, allow_inf_nan=False)

    @field_validator("telegram_per_second")
    @classmethod
    def _within_telegram_limit(cls, value: float, info: ValidationInfo) -> float:
        if value > TELEGRAM_MAX_PER_SECOND and not info.data.get("telegram_fake_api"):
            raise ValueError(
                f"Input should be less than or equal to {TELEGRAM_MAX_PER_SECOND:g} "
                "(Telegram's limit for a bot)"
            )
        return value


class ConversationSettings(BaseModel):
    """``[conversation]``: how long an idle conversation keeps its state."""

    model_config = _MODEL_CONFIG

    expiry_hours: float = Field(default=24.0, gt=0, allow_inf_nan=False)


class PrivacySettings(BaseModel):
    """``[privacy]``: retention, abuse limits, blocked identities and the hash key."""

    model_config = _MODEL_CONFIG

    conversation_days: int = Field(default=30, ge=1)  # idle conversation state
    outbox_days: int = Field(default=180, ge=1)  # delivered (or given up) messages
    photo_days: int = Field(default=365, ge=1)  # photos, after the aspiration is closed
    file_hours: int = Field(default=24, ge=1)  # files sent in chat, if not delivered
    daily_aspirations: int = Field(default=5, ge=1)  # new aspirations a resident sends a day
    flood_messages: int = Field(default=20, ge=1)  # more than this many…
    flood_seconds: float = Field(default=10.0, gt=0, allow_inf_nan=False)  # …in this long
    flood_cooldown_seconds: float = Field(default=60.0, gt=0, allow_inf_nan=False)
    blocked: list[Identity] = []
    # The key of the fingerprints kept of inbound update ids; empty: a random one
    # made on first run and kept in the database (storage/installation.py)
    hash_key: SecretStr = SecretStr("")

    @field_validator("hash_key")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if 0 < len(value.get_secret_value()) < HASH_KEY_MIN_CHARS:
            raise ValueError(
                f"must be at least {HASH_KEY_MIN_CHARS} characters "
                "(e.g. the output of `openssl rand -hex 32`), or empty"
            )
        return value

    @property
    def hash_key_bytes(self) -> bytes | None:
        """The configured key as HMAC key bytes, or None for the installation's own."""
        return self.hash_key.get_secret_value().encode() or None

    @property
    def retention(self) -> Retention:
        return Retention(
            conversation_days=self.conversation_days,
            outbox_days=self.outbox_days,
            photo_days=self.photo_days,
            file_hours=self.file_hours,
        )


class MediaSettings(BaseModel):
    """``[media]``: where photos sent with aspirations are stored."""

    model_config = _MODEL_CONFIG

    directory: NonEmptyStr = "media"
    max_photo_mb: float = Field(default=10.0, gt=0, allow_inf_nan=False)


class TrainingSettings(BaseModel):
    """``[training]``: when registrants are reminded before a program starts."""

    model_config = _MODEL_CONFIG

    reminders: list[str] = ["1d", "2h"]

    @field_validator("reminders")
    @classmethod
    def _offsets(cls, values: list[str]) -> list[str]:
        for value in values:
            parse_offset(value)  # ValueError names the bad offset
        return values

    @property
    def reminder_offsets(self) -> tuple[timedelta, ...]:
        return tuple(parse_offset(value) for value in self.reminders)


class ForumSettings(BaseModel):
    """``[forum]``: when subscribers are reminded before a forum."""

    model_config = _MODEL_CONFIG

    reminders: list[str] = ["3d", "1d", "2h"]

    @field_validator("reminders")
    @classmethod
    def _offsets(cls, values: list[str]) -> list[str]:
        for value in values:
            parse_offset(value)
        return values

    @property
    def reminder_offsets(self) -> tuple[timedelta, ...]:
        return tuple(parse_offset(value) for value in self.reminders)


class CategorySetting(BaseModel):
    """One ``[[aspiration.categories]]`` entry."""

    model_config = _MODEL_CONFIG

    key: CategoryKey
    label: Label
    label_en: Label


class AspirationSettings(BaseModel):
    """``[aspiration]``: the category menu (empty = the nine in the message catalogs)."""

    model_config = _MODEL_CONFIG

    categories: list[CategorySetting] = []

    @model_validator(mode="after")
    def _unique_keys(self) -> AspirationSettings:
        seen: set[str] = set()
        for category in self.categories:
            if category.key in seen:
                raise _RuleError(
                    "aspiration.categories",
                    f"aspiration.categories: duplicate category key {category.key!r}",
                )
            seen.add(category.key)
        return self


class Settings(BaseModel):
    """All settings. Set by the loader, never from TOML: ``source`` (where they came
    from, for logs), ``config_file`` (the file read, None for built-in defaults) and
    ``data_dir`` (``$SIANTAR_HOME`` or the user data folder)."""

    model_config = _MODEL_CONFIG

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    whatsapp: WhatsAppSettings = Field(default_factory=WhatsAppSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    roles: RolesSettings = Field(default_factory=RolesSettings)
    broadcast: BroadcastSettings = Field(default_factory=BroadcastSettings)
    conversation: ConversationSettings = Field(default_factory=ConversationSettings)
    media: MediaSettings = Field(default_factory=MediaSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    aspiration: AspirationSettings = Field(default_factory=AspirationSettings)
    training: TrainingSettings = Field(default_factory=TrainingSettings)
    forum: ForumSettings = Field(default_factory=ForumSettings)
    source: str = DEFAULT_SOURCE
    config_file: Path | None = None
    data_dir: Path = Field(default_factory=lambda: data_folder())

    def secret_values(self) -> list[str]:
        """Non-empty secret strings (tokens, secrets, database and proxy passwords), for
        redaction."""
        candidates = [
            self.telegram.token.get_secret_value(),
            self.telegram.webhook_secret.get_secret_value(),
            self.whatsapp.access_token.get_secret_value(),
            self.whatsapp.app_secret.get_secret_value(),
            self.whatsapp.verify_token.get_secret_value(),
            self.privacy.hash_key.get_secret_value(),
            _url_password(self.database.url) or "",
            _url_password(self.telegram.proxy_url) or "",
        ]
        result: list[str] = []
        for value in candidates:
            if value and value not in result:
                result.append(value)
        return result


#: Fields the loader sets; they never come from the TOML file.
_LOADER_FIELDS = frozenset({"source", "config_file", "data_dir"})
#: Keys that may appear in the TOML file.
_TOML_KEYS = frozenset(Settings.model_fields) - _LOADER_FIELDS

# --------------------------------------------------------------------------- loading


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class that the (parent) location ``loc`` refers to, if any."""
    annotation: Any = Settings
    for part in loc:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if not isinstance(part, str) or part not in annotation.model_fields:
                return None
            annotation = annotation.model_fields[part].annotation
        elif typing.get_origin(annotation) is list and isinstance(part, int):
            (annotation,) = typing.get_args(annotation)
        else:
            return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _unknown_key_message(loc: tuple[int | str, ...]) -> str:
    message = f"unknown key {_dotted(loc)!r}"
    model = _model_at(loc[:-1])
    if model is not None and isinstance(loc[-1], str):
        known = [k for k in model.model_fields if not (model is Settings and k in _LOADER_FIELDS)]
        close = difflib.get_close_matches(loc[-1], known, n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
    return message


def _describe(error: Mapping[str, Any], from_env: Mapping[str, str]) -> str:
    loc: tuple[int | str, ...] = tuple(error["loc"])
    exc = error.get("ctx", {}).get("error")
    if isinstance(exc, _RuleError):
        key, message = exc.key, str(exc)
    elif error["type"] == "extra_forbidden":
        return _unknown_key_message(loc)
    else:
        key = _dotted(loc)
        text = str(exc) if error["type"] == "value_error" and exc is not None else error["msg"]
        message = f"{key}: {text}" if key else text
    if key in from_env:
        message += f" (value from {from_env[key]})"
    return message


def _error_from_validation(
    source: str, exc: ValidationError, from_env: Mapping[str, str]
) -> ConfigError:
    errors = exc.errors(include_url=False, include_input=False)
    parts: list[str] = []
    for error in errors:
        text = _describe(error, from_env)
        if text not in parts:
            parts.append(text)
    shown = parts[:_MAX_REPORTED_ERRORS]
    if len(parts) > len(shown):
        shown.append(f"and {len(parts) - len(shown)} more")
    return ConfigError(f"{source}: " + "; ".join(shown))


_TOML_POSITION_RE = re.compile(
    r"^(?P<msg>.*?)\s*\((?:at line (?P<line>\d+), column (?P<col>\d+)|at end of document)\)$"
)


def _read_toml(path: Path, display: str) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        text = str(exc)
        match = _TOML_POSITION_RE.match(text)
        if match and match.group("line"):
            where = f"line {match.group('line')}, column {match.group('col')}"
            text = match.group("msg")
        elif match:
            where = "end of file"
            text = match.group("msg")
        else:
            where = "unknown position"
        raise ConfigError(f"{display}: invalid TOML ({where}): {text}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{display}: invalid TOML: the file is not valid UTF-8") from None
    except IsADirectoryError:
        raise ConfigError(f"{display}: is a directory, not a config file") from None
    except OSError as exc:
        raise ConfigError(f"{display}: cannot read config file: {exc.strerror or exc}") from None


def _locate(
    path: str | os.PathLike[str] | None, environ: Mapping[str, str], cwd: Path
) -> tuple[Path, str] | None:
    """Return (file to open, name to show) or None for built-in defaults."""
    if path is not None:
        given = os.fspath(path)
        origin = "config file"
    elif environ.get(CONFIG_ENV_VAR, "").strip():
        given = environ[CONFIG_ENV_VAR].strip()
        origin = f"config file ({CONFIG_ENV_VAR})"
    else:
        candidate = cwd / CONFIG_FILE_NAME
        return (candidate, str(candidate)) if candidate.is_file() else None
    resolved = Path(given).expanduser()
    if not resolved.is_absolute():
        resolved = cwd / resolved
    if not resolved.exists():
        raise ConfigError(f"{origin} not found: {given}")
    return resolved, given


def _anchored(settings: Settings, config_file: Path | None, data_dir: Path) -> Settings:
    """``settings`` with its relative paths made absolute: against the config
    file's folder, or ``data_dir`` without a config file."""
    if config_file is not None:
        config_file = Path(os.path.abspath(config_file))  # symlinks kept, as the operator named it
    base = data_dir if config_file is None else config_file.parent
    database = settings.database.model_copy(
        update={"url": resolve_database_url(settings.database.url, base)}
    )
    media = settings.media.model_copy(
        update={"directory": str(resolve_folder(settings.media.directory, base))}
    )
    return settings.model_copy(
        update={
            "database": database,
            "media": media,
            "config_file": config_file,
            "data_dir": data_dir,
        }
    )


def load_settings(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Load settings: explicit ``path``, else ``$SIANTAR_CONFIG``, else
    ``cwd/config.toml`` if it exists, else built-in defaults; then apply the
    ``SIANTAR_*`` environment overrides and validate everything.

    A relative config path (and ``$SIANTAR_HOME``) is taken from ``cwd``, as typed;
    relative paths inside the settings from the config file's folder, or the data
    folder without a config file. Raises :class:`ConfigError`.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    base = Path.cwd() if cwd is None else cwd

    located = _locate(path, env, base)
    if located is None:
        data: dict[str, Any] = {}
        source = DEFAULT_SOURCE
    else:
        file_path, source = located
        data = _read_toml(file_path, source)

    unknown = sorted(set(data) - _TOML_KEYS)
    if unknown:
        raise ConfigError(f"{source}: " + _unknown_key_message((unknown[0],)))

    from_env: dict[str, str] = {}
    for var, (section, key) in ENV_OVERRIDES.items():
        value = env.get(var, "").strip()
        if not value:
            continue
        table = data.setdefault(section, {})
        if isinstance(table, dict):  # a non-table section is reported by validation
            table[key] = value
            from_env[f"{section}.{key}"] = var

    try:
        settings = Settings.model_validate({**data, "source": source})
    except ValidationError as exc:
        where = source if located is not None else "configuration (no config file)"
        raise _error_from_validation(where, exc, from_env) from None
    settings = _anchored(settings, None if located is None else located[0], data_folder(env, base))

    logger.debug(
        "configuration loaded from %s (environment overrides: %s)",
        source,
        ", ".join(sorted(from_env.values())) or "none",
    )
    return settings
