"""Free text that reads like a complaint, offered as an aspiration; a tracking
code typed anywhere, answered with its status.

typed where a choice is asked ──▶ offer ──Lanjutkan──▶ aspiration (text kept,
   (the menu, a button question)      │                 category suggested)
                                      └──Kembali──▶ back where it was typed
typed at the aspiration's category question ──▶ its text, the category suggested

A resident's very first message, when it already is the complaint ("Pak, jalan
di depan rumah saya rusak parah"), or a complaint typed at the consent question,
is held in the conversation through it (``HELD``), never stored as an aspiration:

consent ──Setuju──▶ offer "Kirim ini sebagai aspirasi?" ──Lanjutkan──▶ aspiration
   │                                                   └──Tidak──▶ menu
   └──Tidak setuju──▶ offer "tidak kami simpan; kirim tanpa nama?"
                          ├──Kirim tanpa nama──▶ aspiration (anonymous, unlinked,
                          │                      as anyone may send without consent)
                          └──Hapus──▶ menu, the text forgotten
"""

from __future__ import annotations

import re
from collections.abc import Callable

from handlers.aspirations import status, submit
from handlers.aspirations.submit import Asking
from handlers.core.feature import Reader
from handlers.core.flow import HOME, Answer, Ctx, Draft, Flow, Prompt, Step, Steps
from handlers.core.validation import Invalid, check_aspiration_text
from handlers.widgets.words import option
from storage.aspirations import normalise_tracking_code

HELD = "_held"  # the first message, while the consent question is asked
MIN_WORDS = 4  # fewer is a greeting, a question's answer or a typo, not a complaint
SHOWN = 160  # characters of the text quoted back
# "ASP-7K2M9Q", "asp 7k2m9q", "ASP7K2M9Q" inside any text; a bare "7K2M9Q" could be a word
CODE = re.compile(r"(?<![A-Za-z0-9])asp[-\s]?[A-Za-z0-9]{6}(?![A-Za-z0-9])", re.IGNORECASE)


class Offering(Steps, flow="offer"):
    OFFER = "offer"


class OfferDraft(Draft):
    offered: str | None = None
    why: str | None = None  # "typed" (at a question), "agreed" or "declined" (consent)


def worth_offering(text: str) -> bool:
    """Text that reads like a complaint: an aspiration's length, a few words."""
    try:
        cleaned = check_aspiration_text(text)
    except Invalid:
        return False
    return len(cleaned.split()) >= MIN_WORDS and not text.lstrip().startswith("/")


def _quoted(text: str) -> str:
    return text if len(text) <= SHOWN else text[: SHOWN - 1].rstrip() + "…"


# --- wherever a choice is asked ------------------------------------------------------


def read_code(ctx: Ctx, text: str) -> bool:
    """A tracking code typed anywhere: its status, for its owner only (others read
    the same "not found" as for a code that does not exist), then the question again."""
    found = CODE.search(text)
    if found is None or normalise_tracking_code(found.group()) is None:
        return False
    ctx.say(status.describe(ctx, found.group()))
    return True


def read_complaint(ctx: Ctx, text: str) -> bool:
    """Long free text where a choice is asked: offer to send it as an aspiration.
    Typed at the aspiration's first question, it is that aspiration's text (its
    category suggested); later in the flow its own questions say what they need."""
    if ctx.conversation.flow == Offering.OFFER.flow or not worth_offering(text):
        return False
    if ctx.conversation.flow == Asking.CATEGORY.flow:
        at_start = ctx.conversation.step == Asking.CATEGORY.value
        if not at_start or ctx.draft(submit.AspirationDraft).text is not None:
            return False
        submit.prefill(ctx, text)
        return True
    ctx.detour(Offering.OFFER)  # Kembali comes back to the question it was typed at
    _offer(ctx, text, "typed")
    return True


def hold_before_consent(ctx: Ctx, text: str) -> bool:
    """A complaint typed while the consent question waits (on Telegram the very
    first message is /start, so the complaint comes next): held like a first
    message, and the resident told it is not kept yet."""
    if ctx.resident.onboarded_at is not None or not worth_offering(text):
        return False
    hold_first_message(ctx)
    ctx.note(ctx.t("offer.held"))
    return True


READERS = (
    Reader(5, hold_before_consent, before_consent=True),
    Reader(10, read_code),
    Reader(90, read_complaint),
)


# --- the first message, through the consent question --------------------------------


def hold_first_message(ctx: Ctx) -> None:
    """Keep a first message that already is the complaint, while consent is asked
    (the latest one, when several come before the answer)."""
    text = ctx.inbound.text
    if text is not None and worth_offering(text):
        ctx.conversation.data = {**ctx.conversation.data, HELD: text}


def kept_through(on_consent: Callable[[Ctx, Answer], None]) -> Callable[[Ctx, Answer], None]:
    """``on_consent``, then the held first message offered back: to send as an
    aspiration after Setuju, or anonymously on purpose after Tidak setuju."""

    def answer(ctx: Ctx, given: Answer) -> None:
        held = ctx.conversation.data.get(HELD)
        on_consent(ctx, given)
        if not isinstance(held, str) or given.option not in ("agree", "disagree"):
            return
        ctx.conversation.data = {k: v for k, v in ctx.conversation.data.items() if k != HELD}
        if ctx.moved:  # answered: offered back instead of the next question
            ctx.goto(Offering.OFFER)
            _offer(ctx, held, "agreed" if ctx.resident.has_consent else "declined")

    return answer


# --- the offer -----------------------------------------------------------------------


def _offer(ctx: Ctx, text: str, why: str) -> None:
    draft = ctx.draft(OfferDraft)
    draft.offered, draft.why = text, why


def ask_offer(ctx: Ctx) -> Prompt:
    """Send this as an aspiration?"""
    draft = ctx.draft(OfferDraft)
    if draft.offered is None:  # nothing to offer (an old conversation): the menu
        ctx.goto(HOME)
        return Prompt("")
    why = draft.why or "typed"
    go = "offer.send_anonymous" if why == "declined" else "offer.continue"
    back = {"typed": "common.back_to_menu", "agreed": "offer.not_now", "declined": "offer.drop"}
    if why == "typed" and ctx.data.get("_return", [HOME.flow])[0] != HOME.flow:
        back["typed"] = "offer.back_to_question"
    return Prompt(
        ctx.t(f"offer.ask_{why}", text=_quoted(draft.offered)),
        (option(ctx.t, "go", go, "continue"), option(ctx.t, "back", back[why], "back")),
    )


def on_offer(ctx: Ctx, answer: Answer) -> None:
    draft = ctx.draft(OfferDraft)
    text, why = draft.offered, draft.why
    if answer.option == "go" and text is not None:
        ctx.goto(Asking.CATEGORY)  # a new flow: the offer's data is dropped
        submit.prefill(ctx, text)
    elif why == "typed":
        draft.offered = draft.why = None  # not carried back into the question's flow
        ctx.end_detour(HOME)
    else:
        ctx.note(ctx.t("offer.dropped"))
        ctx.goto(HOME)


FLOW = Flow(steps={Offering.OFFER: Step(ask_offer, on_offer, (Asking.CATEGORY, HOME))})
