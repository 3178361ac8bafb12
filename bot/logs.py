"""Logging set-up: one readable line per event, secrets never written."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

NOISY = ("httpx", "httpcore", "telegram", "apscheduler", "uvicorn", "alembic")


class RedactSecrets(logging.Filter):
    """Replace every configured secret (tokens, passwords) with ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        for secret in self.secrets:
            message = message.replace(secret, "***")
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            for secret in self.secrets:
                record.exc_text = record.exc_text.replace(secret, "***")
            record.exc_info = None
        return True


def setup_logging(secrets: Iterable[str], level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
