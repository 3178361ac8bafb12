"""Evaluasi: a resident rates a finished aspiration 1–5, with an optional comment.

Started from the stars under the "selesai" notification (a button that works at
any step) or by typing ``/nilai ASP-7K2M9Q 5``; the comment question is a detour,
so the resident returns to whatever they were doing.
"""

from __future__ import annotations

from handlers.aspirations.status import find
from handlers.core.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.core.validation import Invalid, check_comment
from handlers.widgets import choices
from storage.aspirations import find_owned_aspiration, record_rating


def start(ctx: Ctx, args: str) -> None:
    """``ASP-7K2M9Q 5``: store the score, then ask for a comment."""
    code, _, score = args.strip().rpartition(" ")
    if not code or not score.isdecimal() or not 1 <= int(score) <= 5:
        ctx.invalid(ctx.t("rating.usage"))
        return
    aspiration = find(ctx, code)
    if aspiration is None:
        ctx.invalid(ctx.t("status.not_found", code=code.strip().upper()[:20]))
        return
    if aspiration.status != "selesai":
        ctx.invalid(ctx.t("rating.not_finished", code=aspiration.code))
        return
    record_rating(
        session=ctx.session, aspiration=aspiration, rating=int(score), comment=None, now=ctx.now
    )
    ctx.detour("rating", "comment")
    ctx.data["rating_code"] = aspiration.code
    ctx.note(ctx.t("rating.thanks", score=int(score)))


def ask_comment(ctx: Ctx) -> Prompt:
    """An optional comment on how it was handled."""
    return Prompt(
        ctx.t("rating.ask_comment"),
        (choices.skip(ctx.t),),
        accepts=frozenset({"text"}),
    )


def on_comment(ctx: Ctx, answer: Answer) -> None:
    code = ctx.data.pop("rating_code", "")
    if answer.text is not None:
        try:
            comment = check_comment(answer.text)
        except Invalid as problem:
            ctx.data["rating_code"] = code
            ctx.refuse(problem)
            return
        aspiration = (
            find_owned_aspiration(session=ctx.session, code=code, resident_id=ctx.resident.id)
            if ctx.resident.id is not None
            else None
        )
        if aspiration is not None and aspiration.rating is not None:
            record_rating(
                session=ctx.session,
                aspiration=aspiration,
                rating=aspiration.rating,
                comment=comment,
                now=ctx.now,
            )
        ctx.note(ctx.t("rating.comment_saved"))
    ctx.end_detour()


FLOW = Flow(name="rating", start="comment", steps={"comment": Step(ask_comment, on_comment)})
