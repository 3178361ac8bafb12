"""Jawab: a resident answers the question staff asked with ``tunda``.

Started by the "Jawab" button under the question (a button that works at any
step) or by typing ``/jawab ASP-7K2M9Q``; the answer — text, a photo, a
location, or a voice note for a resident who cannot type — is attached to the
aspiration, which goes back to where it was and its clocks resume. A spoken
answer's text names the voice note and its length (``spoken_text``), as a spoken
aspiration's does; a note over the limits is refused by the core with the same
question again. A detour: the resident then returns to whatever they were
doing. Only the aspiration's own resident may answer; any other code gets the
same "not found" as a code that does not exist.
"""

from __future__ import annotations

from handlers.aspirations.status import find
from handlers.aspirations.voice_words import spoken_text
from handlers.core.flow import HOME, Answer, Ctx, Draft, Flow, Prompt, Step, Steps
from handlers.core.types import Option
from handlers.core.validation import Invalid, check_comment
from storage.aspirations import status_history
from storage.models import Aspiration
from storage.workflow import IllegalTransition, attach_answer


class Answering(Steps, flow="answer"):
    ANSWER = "answer"


class AnswerDraft(Draft):
    answer_code: str | None = None  # the aspiration whose question is answered


def start(ctx: Ctx, args: str) -> None:
    """``ASP-7K2M9Q``: ask for the answer to its question."""
    raw = args.strip()
    if not raw:
        ctx.invalid(ctx.t("answer.usage"))
        return
    aspiration = find(ctx, raw)
    if aspiration is None:
        ctx.invalid(ctx.t("status.not_found", code=raw.upper()[:20]))
        return
    if aspiration.status != "tunda":
        ctx.invalid(ctx.t("answer.not_waiting", code=aspiration.code))
        return
    ctx.detour(Answering.ANSWER)
    ctx.draft(AnswerDraft).answer_code = aspiration.code


def question_of(ctx: Ctx, aspiration: Aspiration) -> str:
    """The question asked with the latest ``tunda``."""
    assert aspiration.id is not None
    asked = [c for c in status_history(session=ctx.session, aspiration_id=aspiration.id)]
    held = [c.note for c in asked if c.status == "tunda" and c.note]
    return held[-1] if held else "-"


def ask_answer(ctx: Ctx) -> Prompt:
    """The question again, and how to answer it."""
    aspiration = find(ctx, ctx.draft(AnswerDraft).answer_code or "")
    question = question_of(ctx, aspiration) if aspiration is not None else "-"
    code = aspiration.code if aspiration is not None else "-"
    return Prompt(
        ctx.t("answer.ask", code=code, question=question),
        (Option("cancel", ctx.t("aspiration.cancel")),),
        accepts=frozenset({"text", "photo", "location", "voice"}),
    )


def on_answer(ctx: Ctx, answer: Answer) -> None:
    """Attach the text, photo, location or voice note; the aspiration resumes."""
    if answer.option == "cancel":
        ctx.note(ctx.t("answer.cancelled"))
        done(ctx)
        return
    aspiration = find(ctx, ctx.draft(AnswerDraft).answer_code or "")
    if aspiration is None or aspiration.status != "tunda":
        _let_go(ctx, answer)
        ctx.note(ctx.t("answer.not_waiting", code=aspiration.code if aspiration else "-"))
        done(ctx)
        return
    text = ""
    if answer.text is not None:
        try:
            text = check_comment(answer.text)
        except Invalid as problem:
            ctx.refuse(problem)
            return
    location, voice = answer.location, answer.voice
    if voice is not None:
        text = spoken_text(ctx.t, voice.seconds)
    try:
        attach_answer(
            session=ctx.session,
            aspiration=aspiration,
            now=ctx.now,
            text=text,
            photo_path=answer.photo,
            latitude=location.latitude if location else None,
            longitude=location.longitude if location else None,
            voice_path=voice.reference if voice else None,
            voice_seconds=voice.seconds if voice else None,
            clock=ctx.settings.clock,
        )
    except IllegalTransition:  # answered from another device meanwhile
        _let_go(ctx, answer)
        ctx.note(ctx.t("answer.not_waiting", code=aspiration.code))
    else:
        thanks = "answer.thanks_voice" if voice is not None else "answer.thanks"
        ctx.note(ctx.t(thanks, code=aspiration.code))
    done(ctx)


def _let_go(ctx: Ctx, answer: Answer) -> None:
    """A photo or voice note sent for an answer no longer wanted is not kept: no
    file of the resident's stays that nothing points to."""
    for reference in (answer.photo, answer.voice.reference if answer.voice else None):
        if reference:
            ctx.discard(reference)


def done(ctx: Ctx) -> None:
    ctx.draft(AnswerDraft).answer_code = None
    ctx.end_detour()


FLOW = Flow(steps={Answering.ANSWER: Step(ask_answer, on_answer, (HOME,))})
