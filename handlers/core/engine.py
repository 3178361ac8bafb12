"""The conversation engine: one inbound in, replies out, state saved in between.

Each inbound is handled in one database transaction: it first waits for the
conversation's turn (``take_turn``: one resident's updates, in every process, are
handled one after the other), then the update is recorded as processed, the
resident and their conversation are read, the step (or global command) runs, and
the new state is written with an optimistic version check. When a writer that
does not take turns got there first, the whole inbound is handled again on the
fresh state; when it keeps losing, ``ConversationBusy`` tells the adapter not to
confirm the update, so the platform delivers it again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine as Database
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from handlers.core import abuse, chat_jobs, policy
from handlers.core.asking import ask, render, role_gone, step_of
from handlers.core.feature import Registry
from handlers.core.flow import HOME, Ctx, Flow
from handlers.core.settings import EngineSettings
from handlers.core.types import Handled, Inbound, QueuedReply, Reply
from handlers.core.validation import clean_profile_name
from storage.blocks import is_blocked
from storage.conversations import (
    ConversationConflict,
    load_conversation,
    mark_update_processed,
    save_conversation,
    take_turn,
)
from storage.db import transaction
from storage.installation import installation_key
from storage.models import Conversation, Resident
from storage.outbox import LEASE, enqueue_claimed
from storage.privacy import remove_photos
from storage.residents import create_resident, get_resident

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


class ConversationBusy(Exception):
    """Every attempt lost against another writer of the conversation: nothing of
    the inbound was committed. Not an error to apologise for: the adapter leaves
    the update unconfirmed, and the platform delivers it again."""


class Engine:
    """Runs flows for every channel; holds no per-resident state in memory."""

    def __init__(
        self,
        db: Database,
        settings: EngineSettings,
        flows: Iterable[Flow] | None = None,
        *,
        registry: Registry | None = None,
        reply_claim: timedelta = LEASE,
    ) -> None:
        if registry is None:  # core imports no feature at import time: they import it
            from handlers.registry import REGISTRY

            registry = REGISTRY
        self.registry: Registry = registry
        self.db = db
        self.settings = settings
        # read once here, not per update: every inbound is fingerprinted with it
        self.hash_key = settings.hash_key or installation_key(db)
        self.flows = {flow.name: flow for flow in flows} if flows else dict(self.registry.flows)
        self.reply_claim = reply_claim

    def handle(self, inbound: Inbound, now: datetime) -> list[Reply]:
        """Handle one inbound and return the replies to send, in order.

        A redelivered update (same ``update_key``) returns no replies. Chat jobs it
        queued run here, right after its commit (the console has no worker): their
        replies come before the next question.
        """
        handled = self._run(inbound, now, record=False)
        replies = [queued.reply for queued in handled.replies]
        done = [
            r for job in handled.jobs for r in chat_jobs.run_now(self.db, self.settings, job, now)
        ]
        return replies[:-1] + done + replies[-1:] if done else replies

    def handle_recorded(self, inbound: Inbound, now: datetime) -> Handled:
        """Like ``handle``, but the replies are also written to the outbox in the
        same transaction, claimed by the caller until ``Handled.claimed_until``
        (``reply_claim`` from ``now``: the outbox lease, which the caller's
        dispatcher renews while it sends them) and marked sent. If the caller dies
        first, the dispatcher sends them once the claim lapses: a redelivered
        update is ignored, yet the resident is still answered."""
        return self._run(inbound, now, record=True)

    def _run(self, inbound: Inbound, now: datetime, *, record: bool) -> Handled:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            last = attempt == MAX_ATTEMPTS
            try:
                with transaction(self.db) as session:
                    ctx = self._handle(session, inbound, now)
                    if ctx is None:  # a redelivered update
                        return Handled([])
                    if not record or ctx.forgotten:
                        queued = [QueuedReply(None, reply) for reply in ctx.replies]
                    else:
                        queued = self._record(session, inbound, ctx.replies, now)
                    handled = Handled(
                        queued,
                        refused=ctx.rejected,
                        jobs=tuple(ctx.jobs),
                        claimed_until=now + self.reply_claim if record else None,
                    )
                remove_photos(self.settings.files, ctx.discarded)  # committed: no row needs them
                return handled
            except (ConversationConflict, IntegrityError) as exc:
                if last and isinstance(exc, ConversationConflict):
                    raise ConversationBusy(f"{inbound.channel} conversation busy") from exc
                if last:
                    # each try was a new transaction on fresh data: a constraint that
                    # fails every time is a bug, not a race (the error handler sees it)
                    raise
                logger.info(
                    "concurrent update for %s (attempt %d): %s",
                    inbound.channel,
                    attempt,
                    type(exc).__name__,
                )
        raise AssertionError("unreachable")

    def resume(self, channel: str, user_id: str, now: datetime) -> list[Reply]:
        """The question a resident is at, asked again; nothing is written.

        Empty when the resident has no conversation yet, or it has expired.
        """
        with Session(self.db) as session:
            conversation = load_conversation(session=session, channel=channel, user_id=user_id)
            resident = get_resident(session=session, identity=f"{channel}:{user_id}")
            if conversation is None or resident is None or conversation.expires_at <= now:
                return []
            ctx = Ctx(
                session=session,
                resident=resident,
                conversation=conversation,
                inbound=Inbound(channel=channel, user_id=user_id),
                now=now,
                settings=self.settings,
                t=self.settings.translators(resident.language),
                registry=self.registry,
            )
            role_gone(self.flows, ctx)  # then the menu, never the privileged question
            prompt = ask(ctx, step_of(self.flows, ctx))
            session.rollback()
            return [render(prompt, [], conversation.prompt_id)]

    def _record(
        self, session: Session, inbound: Inbound, replies: list[Reply], now: datetime
    ) -> list[QueuedReply]:
        ids = enqueue_claimed(
            session=session,
            channel=inbound.channel,
            recipient=inbound.user_id,
            kind="reply",
            payloads=[reply.to_payload() for reply in replies],
            now=now,
            claim_for=self.reply_claim,
        )
        return [QueuedReply(row_id, reply) for row_id, reply in zip(ids, replies, strict=True)]

    def _handle(self, session: Session, inbound: Inbound, now: datetime) -> Ctx | None:
        """Run ``inbound`` through the chain: dedupe → blocked → flood, then the
        policy (``handlers.core.policy``: consent gate → … → step). None when it was
        handled before."""
        # Before anything is read or recorded: the update before this one from the
        # same resident (in any process) has committed, and this one sees it.
        take_turn(session=session, channel=inbound.channel, user_id=inbound.user_id)
        if self._seen_before(session, inbound, now):
            return None
        blocked = self._blocked(session, inbound, now)
        if blocked is not None:  # before anything of theirs is stored
            return blocked
        resident = self._resident(session, inbound, now)
        flooded = self._flooded(session, resident, inbound, now)
        if flooded is not None:
            return flooded
        conversation = load_conversation(
            session=session, channel=inbound.channel, user_id=inbound.user_id
        )
        is_new = conversation is None
        if conversation is None:
            conversation = Conversation(
                channel=inbound.channel,
                user_id=inbound.user_id,
                flow=HOME.flow,
                step="",
                data={},
                expires_at=now,
                updated_at=now,
            )
        ctx = self._context(session, resident, conversation, inbound, now)
        policy.dispatch(ctx, policy.Turn.of(ctx, self.flows, is_new=is_new))
        self._save(ctx)
        return ctx

    def _seen_before(self, session: Session, inbound: Inbound, now: datetime) -> bool:
        """A platform redelivering an update already handled: nothing more to do."""
        if not inbound.update_key or mark_update_processed(
            session=session,
            channel=inbound.channel,
            update_key=inbound.update_key,
            key=self.hash_key,
            now=now,
        ):
            return False
        logger.info("ignoring a redelivered %s update", inbound.channel)
        return True

    def _blocked(self, session: Session, inbound: Inbound, now: datetime) -> Ctx | None:
        """The context of a blocked identity's inbound (``abuse.is_blocked`` said so),
        or None. Most are not blocked: for them the stand-in resident and
        conversation are not even built."""
        if not is_blocked(
            session=session, identity=inbound.identity, config=self.settings.limits.blocked
        ):
            return None
        stranger = Resident(
            identity=inbound.identity, channel=inbound.channel, created_at=now, last_seen_at=now
        )
        ctx = self._context(session, stranger, _unsaved_conversation(inbound, now), inbound, now)
        return ctx if abuse.is_blocked(ctx) else None

    def _flooded(
        self, session: Session, resident: Resident, inbound: Inbound, now: datetime
    ) -> Ctx | None:
        """Flood control said "warn" (one slow-down) or "drop" (nothing, in the
        cool-down): the message goes no further, and the conversation stays as it was.
        Only the count (on the resident) and the update's dedupe record are kept.
        None when the message may go on."""
        verdict = abuse.count_message(resident, now, self.settings.limits, inbound.channel)
        if verdict == "ok":
            return None
        ctx = self._context(session, resident, _unsaved_conversation(inbound, now), inbound, now)
        if verdict == "warn":
            ctx.say(ctx.t("abuse.slow_down"))
        return ctx

    def _context(
        self,
        session: Session,
        resident: Resident,
        conversation: Conversation,
        inbound: Inbound,
        now: datetime,
    ) -> Ctx:
        return Ctx(
            session=session,
            resident=resident,
            conversation=conversation,
            inbound=inbound,
            now=now,
            settings=self.settings,
            t=self.settings.translators(resident.language),
            registry=self.registry,
        )

    def _resident(self, session: Session, inbound: Inbound, now: datetime) -> Resident:
        resident = get_resident(session=session, identity=inbound.identity)
        if resident is None:
            hint = (inbound.language_hint or "").lower()
            language = "en" if hint.startswith("en") and "en" in self.settings.languages else "id"
            resident = create_resident(
                session=session,
                identity=inbound.identity,
                channel=inbound.channel,
                language=language,
                now=now,
            )
        resident.last_seen_at = now
        resident.unreachable_at = None  # they wrote to us: the chat is open again
        current = resident.consent_version == self.settings.consent_version
        if resident.has_consent and current and not resident.display_name:
            resident.display_name = clean_profile_name(inbound.display_name)
        return resident

    def _save(self, ctx: Ctx) -> None:
        """Ask the current question and write the state (version-checked)."""
        if ctx.forgotten:
            return
        conversation = ctx.conversation
        if ctx.moved:
            conversation.prompt_id += 1
        # A step's prompt may itself move on (e.g. a step with nothing to ask).
        for _ in range(5):
            ctx.moved = False
            if role_gone(self.flows, ctx):
                conversation.prompt_id += 1
                ctx.moved = False
            prompt = ask(ctx, step_of(self.flows, ctx))
            if not ctx.moved:
                break
            conversation.prompt_id += 1
        ctx.replies.append(render(prompt, ctx.notes, conversation.prompt_id))
        ctx.keep_drafts()
        conversation.expires_at = ctx.now + self.settings.expiry
        save_conversation(session=ctx.session, conversation=conversation, now=ctx.now)


def _unsaved_conversation(inbound: Inbound, now: datetime) -> Conversation:
    """A stand-in at the menu for a message that goes no further (blocked, or held
    back by flood control): never added to the session, so nothing of it is stored."""
    return Conversation(
        channel=inbound.channel,
        user_id=inbound.user_id,
        flow=HOME.flow,
        step="",
        expires_at=now,
        updated_at=now,
    )
