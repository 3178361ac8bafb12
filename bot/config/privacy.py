"""``[privacy]``: retention, abuse limits, blocked identities and the hash key."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr, field_validator

from bot.config.base import MODEL_CONFIG, Identity
from storage.retention import Retention

HASH_KEY_MIN_CHARS = 32  # [privacy] hash_key: 128 bits at least, even written in hex


class PrivacySettings(BaseModel):
    """``[privacy]``: retention, abuse limits, blocked identities and the hash key."""

    model_config = MODEL_CONFIG

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
