"""pywa's client for the Graph API, on an HTTP client of our own.

pywa takes the ``httpx.AsyncClient`` it is given (its documented way to set
timeouts, proxies and TLS) and points it at graph.facebook.com; that client is
ours, so we point it at ``whatsapp.api_base_url`` afterwards and close it when the
channel stops, through httpx's public API, never through pywa's internals.
Proxies come from the environment (``HTTPS_PROXY`` and the like, httpx's
``trust_env``), TLS is verified with httpx's defaults.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from pywa_async import WhatsApp
from pywa_async.errors import WhatsAppError

from bot.config import WhatsAppSettings
from bot.whatsapp.errors import delivery_failed

GRAPH_VERSION = "23.0"
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
T = TypeVar("T")


def graph_session() -> httpx.AsyncClient:
    """The HTTP client every Graph API call goes through (the caller closes it)."""
    return httpx.AsyncClient(timeout=TIMEOUT)


def graph_client(settings: WhatsAppSettings, session: httpx.AsyncClient) -> WhatsApp:
    """pywa's client, every Graph API call going to ``whatsapp.api_base_url``."""
    client = WhatsApp(
        phone_id=settings.phone_number_id,
        token=settings.access_token.get_secret_value(),
        session=session,
        server=None,
        verify_token=settings.verify_token.get_secret_value(),
        app_secret=settings.app_secret.get_secret_value(),
        validate_updates=True,
        # our own dedupe is in the database; pywa's in-memory one would also drop a
        # redelivery of an update we answered 503 to
        skip_duplicate_updates=False,
        api_version=GRAPH_VERSION,
    )
    # pywa has just set graph.facebook.com on it (and has no setting for the root)
    session.base_url = httpx.URL(f"{settings.api_base_url}/v{GRAPH_VERSION}")
    return client


async def calling(call: Callable[[], Awaitable[T]]) -> T:
    """One Graph API call of a send, its errors turned into what the outbox should do."""
    try:
        return await call()
    except (WhatsAppError, httpx.HTTPError) as error:
        raise delivery_failed(error) from error
