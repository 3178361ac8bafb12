"""The engine's policy chain, one rule at a time (``handlers.core.policy``).

Each rule either handles the inbound (True: the chain stops) or passes it on; the
dialogue tests show the whole chain at work, these show each link on its own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from handlers.core import policy
from handlers.core.engine import Engine
from handlers.core.flow import Ctx
from handlers.core.types import ACTION_PROMPT, Choice, Inbound
from storage.models import Conversation
from storage.residents import create_resident

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine.db) as session:
        yield session
        session.rollback()


def make_ctx(
    engine: Engine,
    session: Session,
    *,
    text: str | None = "halo",
    choice: Choice | None = None,
    flow: str = "menu",
    step: str = "",
    expires_at: datetime = NOW + timedelta(hours=1),
    onboarded: bool = True,
    consent_version: str | None = None,
) -> Ctx:
    resident = create_resident(
        session=session, identity="console:policy", channel="console", language="id", now=NOW
    )
    if onboarded:
        resident.onboarded_at = resident.consent_at = NOW
        resident.consent_version = consent_version or engine.settings.consent_version
    conversation = Conversation(
        channel="console",
        user_id="policy",
        flow=flow,
        step=step,
        data={},
        expires_at=expires_at,
        updated_at=NOW,
    )
    return Ctx(
        session=session,
        resident=resident,
        conversation=conversation,
        inbound=Inbound(channel="console", user_id="policy", text=text, choice=choice),
        now=NOW,
        settings=engine.settings,
        t=engine.settings.translators("id"),
        registry=engine.registry,
    )


def turn(engine: Engine, ctx: Ctx, *, is_new: bool = False) -> policy.Turn:
    return policy.Turn.of(ctx, engine.flows, is_new=is_new)


def test_the_chain_runs_in_the_order_the_issue_names() -> None:
    assert [rule.__name__ for rule in policy.CHAIN] == [
        "consent_gate",
        "first_contact",
        "expired",
        "button_action",
        "command",
        "role_check",
        "step",
    ]


def test_dispatch_stops_at_the_first_rule_that_handles_it(engine: Engine, session: Session) -> None:
    ctx = make_ctx(engine, session)
    seen: list[str] = []

    def passes(_ctx: Ctx, _turn: policy.Turn) -> bool:
        seen.append("passes")
        return False

    def handles(_ctx: Ctx, _turn: policy.Turn) -> bool:
        seen.append("handles")
        return True

    def never(_ctx: Ctx, _turn: policy.Turn) -> bool:
        raise AssertionError("reached a rule after the one that handled it")

    policy.dispatch(ctx, turn(engine, ctx), (passes, handles, never))
    assert seen == ["passes", "handles"]


def test_the_consent_gate_passes_a_resident_whose_consent_is_current(
    engine: Engine, session: Session
) -> None:
    ctx = make_ctx(engine, session)
    assert policy.consent_gate(ctx, turn(engine, ctx)) is False
    assert not ctx.moved


def test_the_consent_gate_holds_everything_until_a_new_notice_is_answered(
    engine: Engine, session: Session
) -> None:
    ctx = make_ctx(engine, session, text="/status", consent_version="2020-01")
    assert policy.consent_gate(ctx, turn(engine, ctx)) is True
    assert (ctx.conversation.flow, ctx.conversation.step) == policy.RECONSENT
    assert ctx.data["_return"] == ["menu", ""]


def test_the_consent_gate_lets_erasure_through_before_the_new_notice(
    engine: Engine, session: Session
) -> None:
    ctx = make_ctx(engine, session, text="/hapusdata", consent_version="2020-01")
    assert policy.consent_gate(ctx, turn(engine, ctx)) is True
    assert ctx.conversation.flow == "mydata"


def test_first_contact_starts_at_the_consent_question(engine: Engine, session: Session) -> None:
    ctx = make_ctx(engine, session, onboarded=False)
    assert policy.first_contact(ctx, turn(engine, ctx, is_new=True)) is True
    assert ctx.conversation.flow == "onboarding"


def test_first_contact_lets_a_command_allowed_before_consent_act(
    engine: Engine, session: Session
) -> None:
    ctx = make_ctx(engine, session, text="/bahasa", onboarded=False)
    assert policy.first_contact(ctx, turn(engine, ctx, is_new=True)) is False
    assert ctx.conversation.flow == "onboarding"  # and the command runs next


def test_first_contact_is_only_for_new_conversations(engine: Engine, session: Session) -> None:
    ctx = make_ctx(engine, session)
    assert policy.first_contact(ctx, turn(engine, ctx)) is False
    assert not ctx.moved


def test_an_expired_conversation_starts_again_at_the_menu(engine: Engine, session: Session) -> None:
    ctx = make_ctx(engine, session, flow="aspiration", step="text", expires_at=NOW)
    assert policy.expired(ctx, turn(engine, ctx)) is True
    assert ctx.conversation.flow == "menu"
    # "halo" is read as at the menu too: a greeting back
    assert ctx.notes == [ctx.t("engine.expired"), ctx.t("greet.hello")]


def test_a_command_still_acts_on_an_expired_conversation(engine: Engine, session: Session) -> None:
    ctx = make_ctx(engine, session, text="/status", flow="aspiration", expires_at=NOW)
    assert policy.expired(ctx, turn(engine, ctx)) is False
    assert ctx.conversation.flow == "menu"


def test_a_live_conversation_is_not_expired(engine: Engine, session: Session) -> None:
    ctx = make_ctx(engine, session, flow="aspiration", step="text")
    assert policy.expired(ctx, turn(engine, ctx)) is False
    assert ctx.conversation.flow == "aspiration"


def test_a_button_that_acts_anywhere_is_run_and_nothing_else(
    engine: Engine, session: Session
) -> None:
    ctx = make_ctx(engine, session, text=None, choice=Choice(ACTION_PROMPT, "!nosuch:1"))
    assert policy.button_action(ctx, turn(engine, ctx)) is True
    assert ctx.rejected  # an unknown action: the button has expired
    plain = make_ctx(engine, session)
    assert policy.button_action(plain, turn(engine, plain)) is False


def test_a_command_is_run(engine: Engine, session: Session) -> None:
    ctx = make_ctx(engine, session, text="/menu", flow="aspiration", step="text")
    assert policy.command(ctx, turn(engine, ctx)) is True
    assert ctx.conversation.flow == "menu"
    plain = make_ctx(engine, session, text="jalan rusak")
    assert policy.command(plain, turn(engine, plain)) is False


def test_the_role_check_sends_someone_without_the_role_to_the_menu(
    engine: Engine, session: Session
) -> None:
    ctx = make_ctx(engine, session, flow="review", step="list")
    assert policy.role_check(ctx, turn(engine, ctx)) is True
    assert ctx.conversation.flow == "menu"
    resident_flow = make_ctx(engine, session, flow="aspiration", step="text")
    assert policy.role_check(resident_flow, turn(engine, resident_flow)) is False


def test_the_step_reads_the_answer(engine: Engine, session: Session) -> None:
    ctx = make_ctx(engine, session, text="Jalan di depan rumah rusak parah sejak bulan lalu.")
    ctx.conversation.flow, ctx.conversation.step = "aspiration", "text"
    assert policy.step(ctx, turn(engine, ctx)) is True
    assert (ctx.conversation.flow, ctx.conversation.step) == ("aspiration", "attachment")
