"""``[web]``: Konsol, the staff web console served by ``siantar run`` under ``/konsol/``."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator

from bot.config.base import MODEL_CONFIG, RuleError


class WebSettings(BaseModel):
    """Off unless ``enabled``; ``public_url`` is the address staff browsers reach
    (``https://konsol.example.go.id``, no path beyond the proxy's), used in the
    one-time login links; ``session_hours`` is the idle time after which a console
    session ends."""

    model_config = MODEL_CONFIG

    enabled: bool = False
    public_url: str = ""
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30, allow_inf_nan=False)

    @field_validator("public_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an https:// (or http://) URL with a host, or empty")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("must have no user, query or fragment (e.g. https://konsol.example)")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _needs_url(self) -> WebSettings:
        if self.enabled and not self.public_url:
            raise RuleError(
                "web.public_url",
                "web.public_url: required when web.enabled = true "
                "(the https:// address staff browsers reach, e.g. https://konsol.example.go.id)",
            )
        return self

    @property
    def secure(self) -> bool:
        """Cookies are marked Secure when the console is reached over https."""
        return self.public_url.startswith("https://")

    def link_base(self) -> str:
        """Where login links point (``{public_url}/konsol/masuk/``); "" when off."""
        return f"{self.public_url}/konsol/masuk/" if self.enabled and self.public_url else ""
