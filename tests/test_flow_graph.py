"""Every flow's table is a graph that holds together: every target exists, every
step is reachable from where the flow is entered, and every step can reach the
main menu (no resident is stuck in a loop with no way out but /batal)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import pytest

from handlers.core.flow import HOME, Flow, FlowError, Step, Steps
from handlers.registry import FLOWS, REGISTRY


def _edges() -> dict[Steps, tuple[Steps, ...]]:
    return {name: step.to for flow in FLOWS for name, step in flow.steps.items()}


def _reach(starts: Iterable[Steps], edges: dict[Steps, tuple[Steps, ...]]) -> set[Steps]:
    seen, queue = set(starts), deque(starts)
    while queue:
        for target in edges.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def test_every_registered_flow_is_checked() -> None:
    assert len(FLOWS) == 24
    assert {flow.name for flow in FLOWS} >= {
        "menu", "onboarding", "aspiration", "announce", "desk", "units", "answer", "offer",
    }  # fmt: skip


def test_steps_of_two_flows_with_the_same_name_are_two_steps() -> None:
    from handlers.announcements.compose import Posting
    from handlers.aspirations.submit import Asking

    assert Asking.TEXT.value == Posting.TEXT.value == "text"
    assert Asking.TEXT != Posting.TEXT and len({Asking.TEXT, Posting.TEXT}) == 2


@pytest.mark.parametrize("flow", FLOWS, ids=lambda flow: flow.name)
def test_every_target_is_a_step_of_a_registered_flow(flow: Flow) -> None:
    flows = {f.name: f for f in FLOWS}
    for name, step in flow.steps.items():
        for target in step.to:
            assert target.flow in flows, f"{name!r} goes to an unknown flow {target.flow}"
            assert target in flows[target.flow].steps, f"{name!r} → {target!r}"


@pytest.mark.parametrize("flow", FLOWS, ids=lambda flow: flow.name)
def test_every_step_is_reachable_from_where_the_flow_is_entered(flow: Flow) -> None:
    reached = _reach([flow.start, *flow.entries], _edges())
    missing = [name for name in flow.steps if name not in reached]
    assert missing == [], f"{flow.name}: never reached: {missing}"


@pytest.mark.parametrize("flow", FLOWS, ids=lambda flow: flow.name)
def test_every_step_can_reach_the_menu(flow: Flow) -> None:
    edges = _edges()
    stuck = [name for name in flow.steps if HOME not in _reach([name], edges)]
    assert stuck == [], f"{flow.name}: no way to the menu from {stuck}"


def test_the_menu_leads_to_every_feature_entry() -> None:
    menu = REGISTRY.flows[HOME.flow].steps[HOME]
    assert set(menu.to) == {target for entry in REGISTRY.menu for target in entry.to}
    assert [entry.value for entry in REGISTRY.menu] == [
        "aspiration",
        "status",
        "training",
        "forum",
        "help",
        "language",
    ]


def test_a_flow_needs_a_step_for_every_member_of_its_enum() -> None:
    class Two(Steps, flow="two-steps"):
        FIRST = "first"
        SECOND = "second"

    def ask(_ctx: object) -> None: ...

    def take(_ctx: object, _answer: object) -> None: ...

    with pytest.raises(FlowError, match="no Step for"):
        Flow(steps={Two.FIRST: Step(ask, take, ())})  # type: ignore[arg-type]


def test_an_old_step_name_resumes_at_the_step_that_replaced_it() -> None:
    class Old(Steps, flow="renamed-steps"):
        PICK = "pick"

    flow = Flow(
        steps={Old.PICK: Step(lambda ctx: None, lambda ctx, a: None, ())},  # type: ignore[arg-type,return-value]
        renamed={"kelurahan_pick": Old.PICK},
    )
    assert flow.step_named("kelurahan_pick") is Old.PICK
    assert flow.step_named("") is Old.PICK
    assert flow.step_named("pick") is Old.PICK


def test_going_somewhere_undeclared_is_refused_at_run_time() -> None:
    from datetime import UTC, datetime

    from handlers.aspirations.submit import FLOW, Asking
    from handlers.core.flow import Ctx
    from storage.models import Conversation

    now = datetime(2026, 12, 6, tzinfo=UTC)
    conversation = Conversation(
        channel="console",
        user_id="u",
        flow="aspiration",
        step="text",
        data={},
        expires_at=now,
        updated_at=now,
    )
    ctx = Ctx(None, None, conversation, None, now, None, None)  # type: ignore[arg-type]
    ctx.at = FLOW.steps[Asking.TEXT]
    ctx.goto(Asking.ATTACHMENT)  # declared
    assert (conversation.flow, conversation.step) == ("aspiration", "attachment")
    with pytest.raises(FlowError):
        ctx.goto(Asking.IDENTITY)  # not in the text step's table
    ctx.goto(Asking.ATTACHMENT)  # asking itself again is always allowed
