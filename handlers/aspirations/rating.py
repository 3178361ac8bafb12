"""Evaluasi: a resident rates a finished aspiration 1–5, with an optional comment.

Started from the stars under the "selesai" notification (a button that works at
any step) or by typing ``/nilai ASP-7K2M9Q 5``; the comment question is a detour,
so the resident returns to whatever they were doing.
"""

from __future__ import annotations

from handlers.aspirations.status import find
from handlers.core.flow import HOME, Ctx, Draft, Flow, Steps
from handlers.core.validation import check_comment
from handlers.widgets.choices import skip
from handlers.widgets.text_field import text_step
from storage.aspirations import record_rating


class Rating(Steps, flow="rating"):
    COMMENT = "comment"


class RatingDraft(Draft):
    rating_code: str | None = None  # the aspiration just rated


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
    ctx.detour(Rating.COMMENT)
    ctx.draft(RatingDraft).rating_code = aspiration.code
    ctx.note(ctx.t("rating.thanks", score=int(score)))


def keep_comment(ctx: Ctx, comment: str) -> None:
    """Add the comment to the rating stored a moment ago, then back to where the
    resident was."""
    draft = ctx.draft(RatingDraft)
    aspiration = find(ctx, draft.rating_code or "")
    if aspiration is not None and aspiration.rating is not None:
        record_rating(
            session=ctx.session,
            aspiration=aspiration,
            rating=aspiration.rating,
            comment=comment,
            now=ctx.now,
        )
    ctx.note(ctx.t("rating.comment_saved"))
    done(ctx)


def done(ctx: Ctx, _choice: str = "") -> None:
    ctx.draft(RatingDraft).rating_code = None
    ctx.end_detour()


FLOW = Flow(
    steps={
        Rating.COMMENT: text_step(
            ask=lambda ctx: ctx.t("rating.ask_comment"),
            check=check_comment,
            keep=keep_comment,
            to=(HOME,),
            options=lambda ctx: (skip(ctx.t),),
            on_option=done,
        )
    }
)
