"""``[whatsapp]``: the WhatsApp Cloud API channel's settings and its templates."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, SecretStr, StringConstraints, field_validator, model_validator

from bot.config.base import ENV_FOR_KEY, MODEL_CONFIG, HttpUrl, RuleError

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

    model_config = MODEL_CONFIG

    name: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,512}$")]
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$")] = "id"
    params: list[Literal["text", "first_line", "rest", "name"]] = ["text"]


class WhatsAppSettings(BaseModel):
    """``[whatsapp]``: the WhatsApp Cloud API channel."""

    model_config = MODEL_CONFIG

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
            named = [f"{k} (or {ENV_FOR_KEY[k]})" if k in ENV_FOR_KEY else k for k in missing]
            raise RuleError(missing[0], "whatsapp.enabled = true requires " + ", ".join(named))
        return self
