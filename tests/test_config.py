"""Tests for bot.config: resolution order, env overrides, validation and errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import (
    CATEGORY_KEYS,
    ConfigError,
    Settings,
    load_settings,
)
from bot.i18n import load_catalog

EXAMPLE = Path(__file__).parents[1] / "config.example.toml"

GOOD_TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnopqrstu"
SECRET = "s3cr3t-Value-that-must-not-leak"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str, **env: str) -> Settings:
    cfg = write(tmp_path / "cfg.toml", text)
    return load_settings(cfg, environ=env, cwd=tmp_path)


def load_error(tmp_path: Path, text: str, **env: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text, **env)
    message = str(info.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- defaults


def test_defaults_without_any_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = load_settings(environ={"SIANTAR_HOME": str(home)}, cwd=tmp_path)
    assert settings.source == "built-in defaults"
    assert settings.config_file is None and settings.data_dir == home
    assert settings.database.url == f"sqlite:///{home}/siantar.db"
    assert settings.telegram.enabled is False
    assert settings.telegram.token.get_secret_value() == ""
    assert settings.telegram.api_base_url == "https://api.telegram.org"
    assert settings.telegram.mode == "polling"
    assert settings.whatsapp.enabled is False
    assert settings.whatsapp.api_base_url == "https://graph.facebook.com"
    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 8080)
    assert settings.roles.admins == settings.roles.staff == settings.roles.facilitators == []
    assert settings.broadcast.telegram_per_second == 25
    assert settings.broadcast.whatsapp_per_second == 40
    assert settings.conversation.expiry_hours == 24
    assert settings.media.directory == str(home / "media")
    assert settings.media.max_photo_mb == 10
    assert settings.aspiration.categories == []
    assert settings.secret_values() == []


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load_settings(environ={}, cwd=tmp_path)
    with pytest.raises(ValidationError):
        settings.server.port = 1


def test_values_from_file(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
        [database]
        url = "postgresql+psycopg://siantar@db/siantar"
        [telegram]
        api_base_url = "http://localhost:8081/"
        [server]
        host = "0.0.0.0"
        port = 9000
        [roles]
        admins = ["telegram:42"]
        staff = ["whatsapp:6281234567890", "console:petugas.1"]
        facilitators = ["console:budi_S-2"]
        [broadcast]
        telegram_per_second = 10
        whatsapp_per_second = 80.5
        [conversation]
        expiry_hours = 0.5
        [media]
        directory = "/var/lib/siantar/media"
        max_photo_mb = 5
        """,
    )
    assert settings.source == str(tmp_path / "cfg.toml")
    assert settings.database.url == "postgresql+psycopg://siantar@db/siantar"
    assert settings.telegram.api_base_url == "http://localhost:8081"  # slash stripped
    assert (settings.server.host, settings.server.port) == ("0.0.0.0", 9000)
    assert settings.roles.admins == ["telegram:42"]
    assert settings.roles.staff == ["whatsapp:6281234567890", "console:petugas.1"]
    assert settings.broadcast.whatsapp_per_second == 80.5
    assert settings.conversation.expiry_hours == 0.5
    assert settings.media.max_photo_mb == 5


# --------------------------------------------------------------------------- resolution


def port_file(path: Path, port: int) -> Path:
    return write(path, f"[server]\nport = {port}\n")


def test_explicit_path_beats_env_and_cwd(tmp_path: Path) -> None:
    explicit = port_file(tmp_path / "explicit.toml", 1001)
    from_env = port_file(tmp_path / "env.toml", 1002)
    port_file(tmp_path / "config.toml", 1003)
    settings = load_settings(explicit, environ={"SIANTAR_CONFIG": str(from_env)}, cwd=tmp_path)
    assert settings.server.port == 1001
    assert settings.source == str(explicit)


def test_siantar_config_beats_cwd_config(tmp_path: Path) -> None:
    from_env = port_file(tmp_path / "env.toml", 1002)
    port_file(tmp_path / "config.toml", 1003)
    settings = load_settings(environ={"SIANTAR_CONFIG": str(from_env)}, cwd=tmp_path)
    assert settings.server.port == 1002
    assert settings.source == str(from_env)


def test_cwd_config_toml_used_when_nothing_else(tmp_path: Path) -> None:
    port_file(tmp_path / "config.toml", 1003)
    settings = load_settings(environ={}, cwd=tmp_path)
    assert settings.server.port == 1003
    assert settings.source == str(tmp_path / "config.toml")


def test_relative_paths_resolve_against_cwd(tmp_path: Path) -> None:
    port_file(tmp_path / "rel.toml", 1004)
    assert load_settings("rel.toml", environ={}, cwd=tmp_path).server.port == 1004
    settings = load_settings(environ={"SIANTAR_CONFIG": "rel.toml"}, cwd=tmp_path)
    assert settings.server.port == 1004


# --------------------------------------------------------------------------- where data lives


def test_relative_paths_in_a_config_follow_its_folder_not_the_cwd(tmp_path: Path) -> None:
    etc, elsewhere = tmp_path / "etc", tmp_path / "elsewhere"
    etc.mkdir()
    elsewhere.mkdir()
    cfg = write(
        etc / "cfg.toml", '[database]\nurl = "sqlite:///data/x.db"\n[media]\ndirectory = "foto"\n'
    )
    env = {"SIANTAR_HOME": str(tmp_path / "home")}
    for cwd, given in ((elsewhere, "../etc/cfg.toml"), (tmp_path, "etc/cfg.toml")):
        settings = load_settings(given, environ=env, cwd=cwd)
        assert settings.database.url == f"sqlite:///{etc}/data/x.db"
        assert settings.media.directory == str(etc / "foto")
        assert settings.config_file == etc / "cfg.toml"
    # a config without [database] keeps siantar.db next to itself, wherever it is found from
    write(etc / "config.toml", "")
    settings = load_settings(
        environ={**env, "SIANTAR_CONFIG": str(etc / "config.toml")}, cwd=elsewhere
    )
    assert settings.database.url == f"sqlite:///{etc}/siantar.db"
    assert settings.media.directory == str(etc / "media")
    # an environment override with a relative file follows the same rule
    settings = load_settings(
        cfg, environ={**env, "SIANTAR_DATABASE_URL": "sqlite:///env.db"}, cwd=elsewhere
    )
    assert settings.database.url == f"sqlite:///{etc}/env.db"


def test_without_a_config_paths_go_to_the_data_folder_whatever_the_cwd(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for cwd in (tmp_path, tmp_path / "a"):
        cwd.mkdir(exist_ok=True)
        settings = load_settings(environ={"SIANTAR_HOME": str(home)}, cwd=cwd)
        assert settings.database.url == f"sqlite:///{home}/siantar.db"
        assert settings.media.directory == str(home / "media")
    env = {"SIANTAR_HOME": str(home), "SIANTAR_DATABASE_URL": "sqlite:///other.db"}
    assert load_settings(environ=env, cwd=tmp_path).database.url == f"sqlite:///{home}/other.db"
    # a relative SIANTAR_HOME is taken from the folder it was typed in, once
    relative = load_settings(environ={"SIANTAR_HOME": "data"}, cwd=tmp_path)
    assert relative.data_dir == tmp_path / "data"


def test_without_siantar_home_the_platform_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from platformdirs import user_data_path

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # Linux; others ignore it
    expected = user_data_path("siantar", appauthor=False)
    for cwd in (tmp_path, tmp_path / "a"):
        cwd.mkdir(exist_ok=True)
        settings = load_settings(environ={}, cwd=cwd)
        assert settings.data_dir == expected
        assert settings.database.url == f"sqlite:///{expected}/siantar.db"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////srv/siantar/siantar.db",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:x.db?mode=ro&uri=true",
        "postgresql+psycopg://u:pw@db/siantar",
    ],
)
def test_absolute_memory_and_server_databases_stay_as_written(tmp_path: Path, url: str) -> None:
    assert load(tmp_path, f'[database]\nurl = "{url}"\n').database.url == url


def test_home_folder_in_paths_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "u"))
    settings = load(tmp_path, '[database]\nurl = "sqlite:///~/s.db"\n[media]\ndirectory = "~/m"\n')
    assert settings.database.url == f"sqlite:///{tmp_path}/u/s.db"
    assert settings.media.directory == str(tmp_path / "u" / "m")


@pytest.mark.parametrize("key", ["config_file", "data_dir"])
def test_loader_fields_cannot_be_set_from_toml(tmp_path: Path, key: str) -> None:
    assert f"unknown key '{key}'" in load_error(tmp_path, f'{key} = "/elsewhere"\n')


def test_missing_explicit_file(tmp_path: Path) -> None:
    port_file(tmp_path / "config.toml", 1003)  # must not be used as a fallback
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path / "nope.toml", environ={}, cwd=tmp_path)
    assert str(info.value) == f"config file not found: {tmp_path / 'nope.toml'}"


def test_missing_siantar_config_file(tmp_path: Path) -> None:
    port_file(tmp_path / "config.toml", 1003)
    missing = str(tmp_path / "gone.toml")
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"SIANTAR_CONFIG": missing}, cwd=tmp_path)
    assert "not found" in str(info.value)
    assert missing in str(info.value)
    assert "SIANTAR_CONFIG" in str(info.value)


def test_config_path_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="directory"):
        load_settings(tmp_path, environ={}, cwd=tmp_path)


# --------------------------------------------------------------------------- env overrides


@pytest.mark.parametrize(
    ("var", "section", "key", "value"),
    [
        ("SIANTAR_DATABASE_URL", "database", "url", "postgresql://env@host/db"),
        ("SIANTAR_TELEGRAM_TOKEN", "telegram", "token", GOOD_TOKEN),
        ("SIANTAR_WHATSAPP_ACCESS_TOKEN", "whatsapp", "access_token", "EAAG-env-token"),
        ("SIANTAR_WHATSAPP_APP_SECRET", "whatsapp", "app_secret", "env-app-secret"),
    ],
)
def test_env_override_wins_over_file(
    tmp_path: Path, var: str, section: str, key: str, value: str
) -> None:
    text = f'[{section}]\n{key} = "sqlite:///from-file.db"\n'
    if section != "database":
        text = f'[{section}]\n{key} = "from-file"\n'
    settings = load(tmp_path, text, **{var: value})
    got = getattr(getattr(settings, section), key)
    got = got if isinstance(got, str) else got.get_secret_value()
    assert got == value

    # without the variable (or with it empty) the file's value stays
    for env in ({}, {var: ""}):
        settings = load(tmp_path, text, **env)
        got = getattr(getattr(settings, section), key)
        got = got if isinstance(got, str) else got.get_secret_value()
        assert got != value


def test_env_override_applies_without_any_file(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"SIANTAR_DATABASE_URL": "sqlite:////data/siantar.db"}, cwd=tmp_path
    )
    assert settings.database.url == "sqlite:////data/siantar.db"
    assert settings.source == "built-in defaults"


def test_bad_env_value_is_reported_with_its_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"SIANTAR_DATABASE_URL": "mysql://u:pw@h/db"}, cwd=tmp_path)
    message = str(info.value)
    assert "database.url" in message
    assert "SIANTAR_DATABASE_URL" in message
    assert "pw" not in message


# --------------------------------------------------------------------------- errors


def test_unknown_top_level_key(tmp_path: Path) -> None:
    message = load_error(tmp_path, '[databse]\nurl = "sqlite:///x.db"\n')
    assert message.startswith(f"{tmp_path / 'cfg.toml'}: unknown key 'databse'")
    assert "did you mean 'database'" in message


def test_unknown_nested_key(tmp_path: Path) -> None:
    message = load_error(tmp_path, '[database]\nuri = "sqlite:///x.db"\n')
    assert message.startswith(f"{tmp_path / 'cfg.toml'}: unknown key 'database.uri'")


def test_source_cannot_be_set_from_toml(tmp_path: Path) -> None:
    message = load_error(tmp_path, 'source = "elsewhere"\n')
    assert "unknown key 'source'" in message


def test_wrong_type_names_the_key(tmp_path: Path) -> None:
    message = load_error(tmp_path, '[server]\nport = "8080"\n')
    assert message == f"{tmp_path / 'cfg.toml'}: server.port: Input should be a valid integer"


def test_string_bool_is_not_coerced(tmp_path: Path) -> None:
    message = load_error(tmp_path, '[telegram]\nenabled = "false"\n')
    assert "telegram.enabled" in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[server]\nport = 0\n", "server.port"),
        ("[server]\nport = 65536\n", "server.port"),
        ("[broadcast]\ntelegram_per_second = 31\n", "broadcast.telegram_per_second"),
        ("[broadcast]\ntelegram_per_second = 0\n", "broadcast.telegram_per_second"),
        ("[broadcast]\nwhatsapp_per_second = 1001\n", "broadcast.whatsapp_per_second"),
        ("[conversation]\nexpiry_hours = -1\n", "conversation.expiry_hours"),
        ("[conversation]\nexpiry_hours = inf\n", "conversation.expiry_hours"),
        ("[media]\nmax_photo_mb = 0\n", "media.max_photo_mb"),
        ('[database]\nurl = "mysql://h/db"\n', "database.url"),
        ('[telegram]\napi_base_url = "ftp://x"\n', "telegram.api_base_url"),
        ('[telegram]\nmode = "push"\n', "telegram.mode"),
        ("[telegram]\nconnections = 0\n", "telegram.connections"),
        ("[telegram]\nconnections = 257\n", "telegram.connections"),
        ('[whatsapp]\nphone_number_id = "+62 812"\n', "whatsapp.phone_number_id"),
        ("database = 5\n", "database"),
    ],
)
def test_out_of_range_values_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    message = load_error(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'cfg.toml'}: {key}: ")


def test_several_errors_on_one_line(tmp_path: Path) -> None:
    message = load_error(tmp_path, '[server]\nport = "x"\nhost = 5\n')
    assert "server.port" in message and "server.host" in message and "; " in message


def test_malformed_toml_gives_line_and_column(tmp_path: Path) -> None:
    message = load_error(tmp_path, '[server]\nhost = "127.0.0.1"\nport = 80 80\n')
    assert message.startswith(f"{tmp_path / 'cfg.toml'}: invalid TOML (line 3, column ")


def test_non_utf8_file(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.toml"
    cfg.write_bytes(b'[server]\nhost = "\xff"\n')
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(cfg, environ={}, cwd=tmp_path)


def test_database_url_prefixes(tmp_path: Path) -> None:
    for url in (
        "sqlite+pysqlite:///:memory:",
        "postgresql://h/db",
        "postgresql+psycopg://u@h:5432/db",
    ):
        assert load(tmp_path, f'[database]\nurl = "{url}"\n').database.url == url
    relative = load(tmp_path, '[database]\nurl = "sqlite:///a.db"\n')
    assert relative.database.url == f"sqlite:///{tmp_path}/a.db"
    for url in ("", "postgres://h/db", "sqlitex:///a.db", "siantar.db"):
        assert "database.url" in load_error(tmp_path, f'[database]\nurl = "{url}"\n')


# --------------------------------------------------------------------------- telegram rules


def test_enabled_telegram_without_token(tmp_path: Path) -> None:
    message = load_error(tmp_path, "[telegram]\nenabled = true\n")
    assert message == (
        f"{tmp_path / 'cfg.toml'}: telegram.token is required when telegram.enabled = true "
        "(set it in the config file or SIANTAR_TELEGRAM_TOKEN)"
    )


def test_enabled_telegram_with_token_from_env(tmp_path: Path) -> None:
    settings = load(tmp_path, "[telegram]\nenabled = true\n", SIANTAR_TELEGRAM_TOKEN=GOOD_TOKEN)
    assert settings.telegram.enabled
    assert settings.telegram.token.get_secret_value() == GOOD_TOKEN


@pytest.mark.parametrize(
    "bad_token",
    [
        "1234:AAFakeTokenForTests_abcdefghijklmnopqrstu",
        "123456789:short",
        "not-a-token-at-all-xxxxxxxxxxxxxxxxxxxxxxx",
    ],
)
def test_enabled_telegram_with_malformed_token(tmp_path: Path, bad_token: str) -> None:
    message = load_error(tmp_path, f'[telegram]\nenabled = true\ntoken = "{bad_token}"\n')
    assert "telegram.token does not look like a Bot API token (expected 123456:ABC...)" in message
    assert bad_token not in message
    assert bad_token.split(":")[-1] not in message


def test_malformed_env_token_is_not_echoed(tmp_path: Path) -> None:
    bad = "999:" + SECRET
    message = load_error(tmp_path, "[telegram]\nenabled = true\n", SIANTAR_TELEGRAM_TOKEN=bad)
    assert "SIANTAR_TELEGRAM_TOKEN" in message
    assert SECRET not in message


def test_disabled_telegram_does_not_check_token(tmp_path: Path) -> None:
    assert load(tmp_path, '[telegram]\ntoken = "draft"\n').telegram.enabled is False


def test_webhook_mode_requires_https_url_and_secret(tmp_path: Path) -> None:
    base = f'[telegram]\nenabled = true\ntoken = "{GOOD_TOKEN}"\nmode = "webhook"\n'
    assert "telegram.webhook_url" in load_error(tmp_path, base + 'webhook_secret = "abc"\n')
    plain_http = 'webhook_url = "http://bot.example.id/telegram/webhook"\nwebhook_secret = "abc"\n'
    assert "telegram.webhook_url" in load_error(tmp_path, base + plain_http)
    url = 'webhook_url = "https://bot.example.id/telegram/webhook"\n'
    assert "telegram.webhook_secret" in load_error(tmp_path, base + url)
    bad_secret = "has spaces " + SECRET
    message = load_error(tmp_path, base + url + f'webhook_secret = "{bad_secret}"\n')
    assert "telegram.webhook_secret" in message and SECRET not in message
    too_long = f'webhook_secret = "{"a" * 257}"\n'
    assert "telegram.webhook_secret" in load_error(tmp_path, base + url + too_long)

    settings = load(tmp_path, base + url + 'webhook_secret = "Ok_secret-1"\n')
    assert settings.telegram.mode == "webhook"
    assert settings.telegram.webhook_secret.get_secret_value() == "Ok_secret-1"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("", ""),
        ("http://proxy.example.go.id:3128", "http://proxy.example.go.id:3128"),
        (" https://proxy.example.go.id/ ", "https://proxy.example.go.id"),
        ("http://kantor:pass%40word@10.0.0.1:8080", "http://kantor:pass%40word@10.0.0.1:8080"),
        ("socks5://127.0.0.1:1080", "socks5://127.0.0.1:1080"),
        ("socks5h://[::1]:1080", "socks5h://[::1]:1080"),
    ],
)
def test_telegram_proxy_url(tmp_path: Path, given: str, kept: str) -> None:
    assert load(tmp_path, f'[telegram]\nproxy_url = "{given}"\n').telegram.proxy_url == kept


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("ftp://kantor:{s}@gerbang.kantor.test", "must be an http://, https://, socks5://"),
        ("socks4://kantor:{s}@gerbang.kantor.test", "must be an http://, https://, socks5://"),
        ("kantor:{s}@gerbang.kantor.test:3128", "must be an http://, https://, socks5://"),
        ("http://kantor:{s}@:3128", "must be an http://, https://, socks5://"),
        ("http://kantor:{s}@gerbang.kantor.test:31x8", "has a port that is not a number"),
        ("http://kantor:{s}@gerbang.kantor.test:99999", "has a port that is not a number"),
        ("http://kantor:{s}@gerbang.kantor.test/proxy.pac", "without a path"),
    ],
)
def test_bad_telegram_proxy_url_is_named_and_not_echoed(tmp_path: Path, bad: str, why: str) -> None:
    message = load_error(tmp_path, f'[telegram]\nproxy_url = "{bad.format(s=SECRET)}"\n')
    assert message.startswith(f"{tmp_path / 'cfg.toml'}: telegram.proxy_url: ")
    assert why in message
    assert SECRET not in message and "gerbang.kantor.test" not in message


# --------------------------------------------------------------------------- whatsapp rules


def test_whatsapp_enabled_names_every_missing_key(tmp_path: Path) -> None:
    message = load_error(tmp_path, "[whatsapp]\nenabled = true\n")
    for part in (
        "whatsapp.phone_number_id",
        "whatsapp.access_token (or SIANTAR_WHATSAPP_ACCESS_TOKEN)",
        "whatsapp.app_secret (or SIANTAR_WHATSAPP_APP_SECRET)",
        "whatsapp.verify_token",
    ):
        assert part in message


def test_whatsapp_enabled_names_only_missing_keys(tmp_path: Path) -> None:
    text = '[whatsapp]\nenabled = true\nphone_number_id = "1234567890"\nverify_token = "v"\n'
    message = load_error(tmp_path, text, SIANTAR_WHATSAPP_ACCESS_TOKEN="tok")
    assert "whatsapp.app_secret" in message
    assert "access_token" not in message and "phone_number_id" not in message


def test_whatsapp_enabled_complete(tmp_path: Path) -> None:
    text = '[whatsapp]\nenabled = true\nphone_number_id = "1234567890"\nverify_token = "v"\n'
    settings = load(
        tmp_path, text, SIANTAR_WHATSAPP_ACCESS_TOKEN="tok", SIANTAR_WHATSAPP_APP_SECRET="app"
    )
    assert settings.whatsapp.enabled
    assert settings.whatsapp.app_secret.get_secret_value() == "app"


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    "identity",
    [
        "admin",
        "telegram:",
        "telegram:12a",
        "whatsapp:+6281234567890",
        "whatsapp:1234567",
        "whatsapp:1234567890123456",
        "console:",
        "console:" + "x" * 65,
        "console:has space",
        "signal:123",
    ],
)
def test_bad_role_identity_names_key_and_value(tmp_path: Path, identity: str) -> None:
    message = load_error(tmp_path, f'[roles]\nstaff = ["console:ok", "{identity}"]\n')
    assert message.startswith(f"{tmp_path / 'cfg.toml'}: roles.staff[1]: ")
    assert repr(identity) in message


def test_role_identities_at_the_edges(tmp_path: Path) -> None:
    ids = ["whatsapp:12345678", "whatsapp:123456789012345", "console:" + "x" * 64, "console:a"]
    assert load(tmp_path, f"[roles]\nadmins = {ids!r}\n".replace("'", '"')).roles.admins == ids


# --------------------------------------------------------------------------- categories


def test_custom_categories(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
        [[aspiration.categories]]
        key = "kesehatan"
        label = "Kesehatan & BPJS"
        label_en = "Health"
        [[aspiration.categories]]
        key = "lainnya"
        label = "Lainnya"
        label_en = "Other"
        """,
    )
    assert [c.key for c in settings.aspiration.categories] == ["kesehatan", "lainnya"]
    assert settings.aspiration.categories[0].label == "Kesehatan & BPJS"


def test_bad_category_key(tmp_path: Path) -> None:
    entry = '[[aspiration.categories]]\nkey = "olahraga"\nlabel = "Olahraga"\nlabel_en = "Sport"\n'
    message = load_error(tmp_path, entry)
    assert message.startswith(f"{tmp_path / 'cfg.toml'}: aspiration.categories[0].key: ")
    assert "infrastruktur" in message


def test_duplicate_category_keys(tmp_path: Path) -> None:
    entry = '[[aspiration.categories]]\nkey = "sosial"\nlabel = "Sosial"\nlabel_en = "Social"\n'
    message = load_error(tmp_path, entry + entry)
    assert "aspiration.categories" in message and "duplicate" in message and "'sosial'" in message


def test_category_label_length(tmp_path: Path) -> None:
    base = '[[aspiration.categories]]\nkey = "sosial"\nlabel_en = "Social"\n'
    assert "aspiration.categories[0].label" in load_error(tmp_path, base + 'label = ""\n')
    too_long = f'label = "{"x" * 61}"\n'
    assert "aspiration.categories[0].label" in load_error(tmp_path, base + too_long)
    missing = load_error(tmp_path, '[[aspiration.categories]]\nkey = "sosial"\nlabel = "Sosial"\n')
    assert "aspiration.categories[0].label_en" in missing
    assert "unknown key 'aspiration.categories[0].colour'" in load_error(
        tmp_path, base + 'label = "Sosial"\ncolour = "red"\n'
    )


# --------------------------------------------------------------------------- secrets


def test_secrets_not_in_repr(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        f"""
        [database]
        url = "postgresql+psycopg://siantar:{SECRET}-db@db/siantar"
        [telegram]
        webhook_secret = "{SECRET}-hook"
        proxy_url = "http://kantor:{SECRET}-proxy@gerbang.kantor.test:3128"
        [whatsapp]
        verify_token = "{SECRET}-verify"
        """,
        SIANTAR_TELEGRAM_TOKEN=GOOD_TOKEN,
        SIANTAR_WHATSAPP_ACCESS_TOKEN=f"{SECRET}-access",
        SIANTAR_WHATSAPP_APP_SECRET=f"{SECRET}-app",
    )
    for text in (repr(settings), str(settings), repr(settings.database), repr(settings.telegram)):
        assert SECRET not in text
        assert GOOD_TOKEN not in text
    assert set(settings.secret_values()) == {
        GOOD_TOKEN,
        f"{SECRET}-hook",
        f"{SECRET}-verify",
        f"{SECRET}-access",
        f"{SECRET}-app",
        f"{SECRET}-db",
        f"{SECRET}-proxy",
    }
    assert "proxy_url='http://kantor:***@gerbang.kantor.test:3128'" in repr(settings.telegram)


def test_hash_key_from_the_file_or_the_environment(tmp_path: Path) -> None:
    key = "k" * 64
    assert load(tmp_path, "").privacy.hash_key_bytes is None  # the installation's own
    from_file = load(tmp_path, f'[privacy]\nhash_key = "{key}"\n')
    assert from_file.privacy.hash_key_bytes == key.encode()
    from_env = load(tmp_path, f'[privacy]\nhash_key = "{key}"\n', SIANTAR_HASH_KEY=SECRET * 2)
    assert from_env.privacy.hash_key_bytes == (SECRET * 2).encode()
    assert SECRET not in repr(from_env) and SECRET * 2 in from_env.secret_values()


def test_a_short_hash_key_is_one_clear_error(tmp_path: Path) -> None:
    message = load_error(tmp_path, "", SIANTAR_HASH_KEY="short-key")
    assert "privacy.hash_key" in message and "32 characters" in message
    assert "SIANTAR_HASH_KEY" in message and "short-key" not in message


def test_secrets_not_in_error_messages(tmp_path: Path) -> None:
    # an unrelated error while secrets are loaded must not mention them
    message = load_error(
        tmp_path,
        f'[telegram]\ntoken = "{SECRET}"\nmode = "push"\n[whatsapp]\napp_secret = 5\n',
        SIANTAR_WHATSAPP_ACCESS_TOKEN=SECRET,
    )
    assert "telegram.mode" in message and "whatsapp.app_secret" in message
    assert SECRET not in message
    # a secret of the wrong type is named but not echoed
    message = load_error(tmp_path, "[telegram]\ntoken = 12345678987654321\n")
    assert "telegram.token" in message and "12345678987654321" not in message


# --------------------------------------------------------------------------- example file


def test_example_config_loads_to_defaults(tmp_path: Path) -> None:
    example = write(tmp_path / "example.toml", EXAMPLE.read_text(encoding="utf-8"))
    settings = load_settings(example, environ={}, cwd=tmp_path)
    defaults = load_settings(write(tmp_path / "empty.toml", ""), environ={}, cwd=tmp_path)
    assert settings.source == str(example)
    loader = {"source", "config_file"}
    assert settings.model_dump(exclude=loader) == defaults.model_dump(exclude=loader)
    assert (
        settings.model_copy(update={"source": defaults.source, "config_file": defaults.config_file})
        == defaults
    )


def test_example_config_mentions_every_key_and_env_var() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for section, model in Settings.model_fields.items():
        if section in ("source", "config_file", "data_dir"):  # set by the loader only
            continue
        assert f"[{section}]" in text
        for key in model.annotation.model_fields:  # type: ignore[union-attr]
            assert f"\n{key} = " in text or key == "categories", (section, key)
    for var in (
        "SIANTAR_DATABASE_URL",
        "SIANTAR_TELEGRAM_TOKEN",
        "SIANTAR_WHATSAPP_ACCESS_TOKEN",
        "SIANTAR_WHATSAPP_APP_SECRET",
        "SIANTAR_HASH_KEY",
    ):
        assert var in text
    for key in CATEGORY_KEYS:
        assert load_catalog("id")[f"category.{key}"] in text


def test_example_category_override_is_valid_when_uncommented(tmp_path: Path) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index("# [[aspiration.categories]]")
    uncommented = [line.removeprefix("#").removeprefix(" ") for line in lines[start:]]
    text = "\n".join(lines[:start] + uncommented) + "\n"
    settings = load(tmp_path, text)
    assert [c.key for c in settings.aspiration.categories] == ["infrastruktur", "lainnya"]
    assert settings.aspiration.categories[0].label == load_catalog("id")["category.infrastruktur"]
