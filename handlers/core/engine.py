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

from handlers.core import abuse, access, chat_jobs, commands
from handlers.core.flow import Answer, Ctx, EngineSettings, Flow, Prompt, Step
from handlers.core.matching import match_option
from handlers.core.types import ACTION_PROMPT, Handled, Inbound, QueuedReply, Reply
from handlers.core.validation import clean_profile_name
from handlers.privacy import onboarding
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
from storage.outbox import enqueue_claimed
from storage.residents import create_resident, get_resident

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
HOME_FLOW = "menu"
RECONSENT = ("onboarding", "reconsent")
RIGHTS_FLOW = "mydata"  # its questions (erase? withdraw?) are answered meanwhile too
REPLY_CLAIM = timedelta(seconds=60)  # how long unsent replies stay with their handler


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
        flows: Iterable[Flow],
        *,
        reply_claim: timedelta = REPLY_CLAIM,
    ) -> None:
        self.db = db
        self.settings = settings
        # read once here, not per update: every inbound is fingerprinted with it
        self.hash_key = settings.hash_key or installation_key(db)
        self.flows = {flow.name: flow for flow in flows}
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
        same transaction, claimed for ``REPLY_CLAIM`` by the caller, who sends them
        and marks them sent. If the caller dies first, the dispatcher sends them
        once the claim lapses: a redelivered update is ignored, yet the resident
        is still answered."""
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
                    return Handled(queued, refused=ctx.rejected, jobs=tuple(ctx.jobs))
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
            )
            self._role_gone(ctx)  # then the menu, never the privileged question
            prompt = _prompt(ctx, self._step(ctx))
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
        """Run ``inbound`` through its step; None when it was handled before."""
        # Before anything is read or recorded: the update before this one from the
        # same resident (in any process) has committed, and this one sees it.
        take_turn(session=session, channel=inbound.channel, user_id=inbound.user_id)
        if inbound.update_key and not mark_update_processed(
            session=session,
            channel=inbound.channel,
            update_key=inbound.update_key,
            key=self.hash_key,
            now=now,
        ):
            logger.info("ignoring a redelivered %s update", inbound.channel)
            return None
        blocked = self._blocked(session, inbound, now)
        if blocked is not None:  # before anything of theirs is stored
            return blocked
        resident = self._resident(session, inbound, now)
        verdict = abuse.count_message(resident, now, self.settings.limits, inbound.channel)
        if verdict != "ok":
            return self._flooded(session, resident, inbound, now, verdict)
        conversation = load_conversation(
            session=session, channel=inbound.channel, user_id=inbound.user_id
        )
        is_new = conversation is None
        if conversation is None:
            conversation = Conversation(
                channel=inbound.channel,
                user_id=inbound.user_id,
                flow=HOME_FLOW,
                step="",
                data={},
                expires_at=now,
                updated_at=now,
            )
        ctx = self._context(session, resident, conversation, inbound, now)
        self._dispatch(ctx, is_new=is_new)
        self._save(ctx)
        return ctx

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
        self, session: Session, resident: Resident, inbound: Inbound, now: datetime, verdict: str
    ) -> Ctx:
        """Flood control said "warn" (one slow-down) or "drop" (nothing, in the
        cool-down): the message goes no further, and the conversation stays as it was.
        Only the count (on the resident) and the update's dedupe record are kept."""
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

    def _dispatch(self, ctx: Ctx, *, is_new: bool) -> None:
        command = commands.parse(ctx.inbound.text)
        choice = ctx.inbound.choice
        action = choice is not None and choice.prompt_id == ACTION_PROMPT
        if not onboarding.consent_is_current(ctx):
            self._reconsent(ctx, command, is_new=is_new)
            return
        if is_new:
            if ctx.resident.onboarded_at is None:
                ctx.goto("onboarding")
            else:
                ctx.goto(HOME_FLOW)
            if command is None or not commands.allowed_before_consent(command.name):
                return
        elif ctx.conversation.expires_at <= ctx.now and ctx.conversation.flow != HOME_FLOW:
            if ctx.resident.onboarded_at is None:
                ctx.goto("onboarding")  # never answered the consent question: ask again
            else:
                ctx.note(ctx.t("engine.expired"))
                ctx.goto(HOME_FLOW)
            if command is None and not action:  # a command or a star still acts
                return
        if action:
            assert choice is not None
            commands.run_action(ctx, choice.value)
            return
        if command is not None:
            commands.run(ctx, command)
            return
        self._answer(ctx)

    def _reconsent(self, ctx: Ctx, command: commands.Command | None, *, is_new: bool) -> None:
        """A new privacy notice: nothing else happens until it is answered."""
        conversation = ctx.conversation
        at = (conversation.flow, conversation.step)
        if command is not None and commands.allowed_before_reconsent(command.name):
            commands.run(ctx, command)
            if ctx.moved or at == RECONSENT:
                return  # on to the language, erasure or withdrawal; or asked again
            # Help given, announcements stopped: the new notice still waits
        elif not is_new and (at == RECONSENT or conversation.flow == RIGHTS_FLOW):
            self._answer(ctx)
            return
        if is_new or conversation.expires_at <= ctx.now:
            ctx.goto(HOME_FLOW)
        ctx.detour(*RECONSENT)

    def _answer(self, ctx: Ctx) -> None:
        flow = self.flows[ctx.conversation.flow]
        if flow.role and not access.allow(ctx, flow.role, f"flow {flow.name}"):
            ctx.goto(HOME_FLOW)
            return
        step = self._step(ctx)
        prompt = _prompt(ctx, step)
        answer = interpret(ctx, prompt)
        if answer is not None:
            ctx.at = step
            try:
                step.answer(ctx, answer)
            finally:
                ctx.at = None

    def _role_gone(self, ctx: Ctx) -> bool:
        """Every screen of a role-bound flow is drawn only for someone who holds the
        role at that moment: a command (/bantuan, /bahasa, /status…) or a detour that
        comes back to such a step after the role was revoked lands on the menu."""
        flow = self.flows[ctx.conversation.flow]
        if flow.role is None or access.has_role(ctx, flow.role):
            return False
        logger.info("role %s is gone: %s is not drawn again", flow.role, flow.name)
        ctx.goto(HOME_FLOW)
        return True

    def _step(self, ctx: Ctx) -> Step:
        """The step the conversation is at; a step name saved by an older version
        is read as the step that replaced it."""
        flow = self.flows[ctx.conversation.flow]
        step = flow.step_named(ctx.conversation.step)
        ctx.conversation.step = str(step)
        return flow.steps[step]

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
            if self._role_gone(ctx):
                conversation.prompt_id += 1
                ctx.moved = False
            step = self._step(ctx)
            prompt = _prompt(ctx, step)
            if not ctx.moved:
                break
            conversation.prompt_id += 1
        ctx.replies.append(render(prompt, ctx.notes, conversation.prompt_id))
        ctx.keep_drafts()
        conversation.expires_at = ctx.now + self.settings.expiry
        save_conversation(session=ctx.session, conversation=conversation, now=ctx.now)


def _prompt(ctx: Ctx, step: Step) -> Prompt:
    """Ask ``step``; a prompt may itself move on, only where its ``to`` says."""
    ctx.at = step
    try:
        return step.prompt(ctx)
    finally:
        ctx.at = None


def render(prompt: Prompt, notes: list[str], prompt_id: int) -> Reply:
    text = "\n\n".join([*notes, prompt.text])
    return Reply(
        text=text,
        options=prompt.options,
        prompt_id=prompt_id if prompt.options else None,
        contact_button=prompt.contact_button,
    )


def interpret(ctx: Ctx, prompt: Prompt) -> Answer | None:
    """Turn the inbound into an answer to ``prompt``, or note why it is not one."""
    inbound, t = ctx.inbound, ctx.t
    if inbound.refused is not None:
        ctx.invalid(t(f"attachment.{inbound.refused}"))
        return None
    if inbound.choice is not None:
        values = {option.value for option in prompt.options}
        if (
            inbound.choice.prompt_id != ctx.conversation.prompt_id
            or inbound.choice.value not in values
        ):
            ctx.invalid(t("engine.button_expired"))
            return None
        return Answer(option=inbound.choice.value)
    if inbound.photo is not None:
        if "photo" in prompt.accepts:
            return Answer(photo=inbound.photo)
        ctx.invalid(t("engine.photo_not_expected"))
        return None
    if inbound.location is not None:
        if "location" in prompt.accepts:
            return Answer(location=inbound.location)
        ctx.invalid(t("engine.location_not_expected"))
        return None
    if inbound.contact is not None:
        if "contact" in prompt.accepts:
            return Answer(contact=inbound.contact)
        ctx.invalid(t("engine.contact_not_expected"))
        return None
    if inbound.unsupported is not None or inbound.text is None:
        ctx.invalid(t("engine.unsupported"))
        return None
    option = match_option(prompt.options, inbound.text)
    if option is not None:
        return Answer(option=option.value)
    if "text" in prompt.accepts:
        return Answer(text=inbound.text)
    if prompt.options:
        typed = inbound.text.strip()
        if typed.isdigit():
            ctx.invalid(t("engine.number_out_of_range", count=len(prompt.options)))
        else:
            ctx.invalid(t("engine.choose_option", count=len(prompt.options)))
        return None
    ctx.invalid(t("engine.text_not_expected"))
    return None


def _unsaved_conversation(inbound: Inbound, now: datetime) -> Conversation:
    """A stand-in at the menu for a message that goes no further (blocked, or held
    back by flood control): never added to the session, so nothing of it is stored."""
    return Conversation(
        channel=inbound.channel,
        user_id=inbound.user_id,
        flow=HOME_FLOW,
        step="",
        expires_at=now,
        updated_at=now,
    )
