"""Logging set-up: one readable line per event, secrets and phone numbers never written."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

NOISY = ("httpx", "httpcore", "telegram", "apscheduler", "uvicorn", "alembic")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Indonesian numbers as residents and WhatsApp write them: +62 812-3456-7890,
# 6281234567890 (a WhatsApp id), 0812 3456 7890, and any other +62… number.
PHONE = re.compile(
    r"(?<![\w+])(?:\+62|62|0)[\s.\-]?8\d(?:[\s.\-]?\d){6,11}(?!\d)"
    r"|\+62[\s.\-]?\d(?:[\s.\-]?\d){6,12}(?!\d)"
)
PHONE_MASK = "[phone]"


class RedactSecrets(logging.Filter):
    """Replace every configured secret (tokens, passwords) with ``***`` and every
    phone number with ``[phone]``, in the message, its arguments and tracebacks."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # longest first, so a secret containing another is masked whole
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return PHONE.sub(PHONE_MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def setup_logging(secrets: Iterable[str], level: int = logging.INFO) -> None:
    """``siantar run``: everything from INFO on to stderr, redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)


def setup_file_logging(secrets: Iterable[str], path: str) -> None:
    """``siantar chat``: warnings and errors to a file (the screen stays clean), redacted."""
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets(secrets))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
