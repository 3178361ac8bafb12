"""Which proxy, if any, the Bot API calls go through.

A city office may reach the internet only through a proxy. Two places name one:
``telegram.proxy_url`` in the config file, which wins, and else the standard
environment variables (``HTTPS_PROXY``/``HTTP_PROXY`` for the API's scheme, then
``ALL_PROXY``, lower-case spellings too; ``NO_PROXY`` lists hosts that go direct).

The environment is read the way httpx reads it, through ``urllib.request.getproxies``,
so ``PooledRequest``'s own connections and httpx's client (file uploads, getUpdates)
agree on where a call goes. ``NO_PROXY`` is matched with ``urllib.request.proxy_bypass``:
host names and domain suffixes, ``*`` for every host; a host it does not cover (httpx
also understands IP ranges such as ``10.0.0.0/8``) is sent through httpx, which then
applies its own rules, so a call never goes direct when httpx would have proxied it.

A proxy URL may carry a user name and password; ``shown`` is what a log line may say.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit


def environment_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url``, or None: none is set for its
    scheme, or ``NO_PROXY`` covers its host."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(parts.netloc):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"  # as httpx and curl read it


def bot_api_proxy(api_base_url: str, proxy_url: str) -> str | None:
    """The proxy Bot API calls to ``api_base_url`` go through: ``proxy_url`` when set,
    else the environment's; None when they go direct."""
    return proxy_url or environment_proxy(api_base_url)


def shown(proxy_url: str) -> str:
    """``proxy_url`` without its user name and password, for log lines."""
    parts = urlsplit(proxy_url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
