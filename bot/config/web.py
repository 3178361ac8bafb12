"""``[web]``: Konsol, the staff web console served by ``siantar run`` under ``/konsol/``."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator

from bot.config.base import MODEL_CONFIG, RuleError

_HOST = re.compile(r"^[A-Za-z0-9.{}-]+(:[0-9]{1,5})?$")  # a host (maybe {s}.), a port
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"


class WebSettings(BaseModel):
    """Off unless ``enabled``; ``public_url`` is the address staff browsers reach
    (``https://konsol.example.go.id``, no path beyond the proxy's), used in the
    one-time login links; ``session_hours`` is the idle time after which a console
    session ends. ``map_tiles`` is the tile server an aspiration's map is drawn
    from (``{z}/{x}/{y}`` in it; "" for no map, only the coordinates and a link),
    credited with ``map_attribution``; the console's Content-Security-Policy lets
    images come from its host."""

    model_config = MODEL_CONFIG

    enabled: bool = False
    public_url: str = ""
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30, allow_inf_nan=False)
    map_tiles: str = OSM_TILES
    map_attribution: str = Field(default=OSM_ATTRIBUTION, max_length=200)

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

    @field_validator("map_tiles")
    @classmethod
    def _tiles(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an https:// tile URL with {z}/{x}/{y}, or empty for no map")
        if any(part not in value for part in ("{z}", "{x}", "{y}")):
            raise ValueError("must contain {z}, {x} and {y}, e.g. " + OSM_TILES)
        plain = _HOST.match(parts.netloc) and not any(ch in value for ch in "'\" ;,")
        if not plain:  # its host goes into the Content-Security-Policy
            raise ValueError("must be a plain tile URL, e.g. " + OSM_TILES)
        return value

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

    @property
    def tile_origin(self) -> str:
        """Where map tiles come from (``https://tile.openstreetmap.org``), for the
        Content-Security-Policy; "" without a map."""
        if not self.map_tiles:
            return ""
        parts = urlsplit(self.map_tiles.replace("{s}", "a"))
        host = parts.netloc
        if "{s}" in self.map_tiles:  # subdomains a, b, c …
            host = "*." + host.split(".", 1)[1] if "." in host else host
        return f"{parts.scheme}://{host}"
