"""Loading the settings: find the file, read the TOML, apply the environment
overrides, validate, and turn pydantic's errors into one :class:`ConfigError` line."""

from __future__ import annotations

import difflib
import logging
import os
import re
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.config.base import ENV_OVERRIDES, ConfigError, RuleError
from bot.config.settings import DEFAULT_SOURCE, LOADER_FIELDS, TOML_KEYS, Settings
from bot.paths import data_folder, resolve_database_url, resolve_folder

logger = logging.getLogger(__name__)

CONFIG_ENV_VAR = "SIANTAR_CONFIG"
CONFIG_FILE_NAME = "config.toml"
_MAX_REPORTED_ERRORS = 5


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
        known = [k for k in model.model_fields if not (model is Settings and k in LOADER_FIELDS)]
        close = difflib.get_close_matches(loc[-1], known, n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
    return message


def _describe(error: Mapping[str, Any], from_env: Mapping[str, str]) -> str:
    loc: tuple[int | str, ...] = tuple(error["loc"])
    exc = error.get("ctx", {}).get("error")
    if isinstance(exc, RuleError):
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
        line, column = (match.group("line"), match.group("col")) if match else ("", "")
        if match and line:
            where, reason = f"line {line}, column {column}", "invalid_toml_at"
            text = match.group("msg")
        elif match:
            where, reason = "end of file", "invalid_toml_end"
            text = match.group("msg")
        else:
            where, reason = "unknown position", "invalid_toml"
        raise ConfigError(
            f"{display}: invalid TOML ({where}): {text}",
            reason,
            path=display,
            line=line,
            column=column,
            problem=text,  # tomllib's own (English) words
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"{display}: invalid TOML: the file is not valid UTF-8", "not_utf8", path=display
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            f"{display}: is a directory, not a config file", "directory", path=display
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"{display}: cannot read config file: {exc.strerror or exc}",
            "unreadable",
            path=display,
            problem=exc,
        ) from None


def _locate(
    path: str | os.PathLike[str] | None, environ: Mapping[str, str], cwd: Path
) -> tuple[Path, str] | None:
    """Return (file to open, name to show) or None for built-in defaults."""
    variable = ""  # the environment variable that named the file, if one did
    if path is not None:
        given = os.fspath(path)
        origin = "config file"
    elif environ.get(CONFIG_ENV_VAR, "").strip():
        given = environ[CONFIG_ENV_VAR].strip()
        variable = CONFIG_ENV_VAR
        origin = f"config file ({CONFIG_ENV_VAR})"
    else:
        candidate = cwd / CONFIG_FILE_NAME
        return (candidate, str(candidate)) if candidate.is_file() else None
    resolved = Path(given).expanduser()
    if not resolved.is_absolute():
        resolved = cwd / resolved
    if not resolved.exists():
        reason = "not_found_env" if variable else "not_found"
        raise ConfigError(f"{origin} not found: {given}", reason, path=given, variable=variable)
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

    unknown = sorted(set(data) - TOML_KEYS)
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
