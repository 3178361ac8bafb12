"""Every flow's table is a graph that holds together: every target exists, every
step is reachable from where the flow is entered, and every step can reach the
main menu (no resident is stuck in a loop with no way out but /batal)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import pytest

from handlers.core.flow import HOME, Flow, FlowError, Step, Steps
from handlers.core.registry import FLOWS

TYPED = [flow for flow in FLOWS if isinstance(flow.start, Steps)]


Edges = dict[tuple[str, str], tuple[Steps, ...]]


def _key(step: Steps) -> tuple[str, str]:
    """A step told apart from its namesakes in other flows: the members of two
    StrEnums with the same value ("text", "kelurahan") are equal and hash alike."""
    return step.flow, step.value


def _edges() -> Edges:
    return {_key(name): step.to or () for flow in TYPED for name, step in flow.steps.items()}


def _reach(starts: Iterable[Steps], edges: Edges) -> set[tuple[str, str]]:
    queue = deque(starts)
    seen = {_key(step) for step in queue}
    while queue:
        for target in edges.get(_key(queue.popleft()), ()):
            if _key(target) not in seen:
                seen.add(_key(target))
                queue.append(target)
    return seen


def test_the_aspiration_flow_is_typed() -> None:
    assert "aspiration" in {flow.name for flow in TYPED}


@pytest.mark.parametrize("flow", TYPED, ids=lambda flow: flow.name)
def test_every_target_is_a_step_of_a_registered_flow(flow: Flow) -> None:
    flows = {f.name: f for f in FLOWS}
    for name, step in flow.steps.items():
        for target in step.to or ():
            assert target.flow in flows, f"{name!r} goes to an unknown flow {target.flow}"
            if isinstance(flows[target.flow].start, Steps):
                assert target in flows[target.flow].steps, f"{name!r} → {target!r}"


@pytest.mark.parametrize("flow", TYPED, ids=lambda flow: flow.name)
def test_every_step_is_reachable_from_where_the_flow_is_entered(flow: Flow) -> None:
    edges = _edges()
    reached = _reach([flow.start, *flow.entries], edges)
    missing = [name for name in flow.steps if _key(name) not in reached]
    assert missing == [], f"{flow.name}: never reached: {missing}"


@pytest.mark.parametrize("flow", TYPED, ids=lambda flow: flow.name)
def test_every_step_can_reach_the_menu(flow: Flow) -> None:
    edges = _edges()
    stuck = [
        name
        for name in flow.steps
        if name is not HOME
        and _key(HOME) not in _reach([name], edges)
        and _leaves_typed(name, edges)
    ]
    assert stuck == [], f"{flow.name}: no way to the menu from {stuck}"


def _leaves_typed(name: Steps, edges: Edges) -> bool:
    """False when the step reaches a flow not yet typed (its graph is unknown)."""
    typed = {flow.name for flow in TYPED}
    return all(flow in typed for flow, _ in _reach([name], edges))


def test_a_step_cannot_go_where_its_table_does_not_say() -> None:
    class Two(Steps, flow="two-steps"):
        FIRST = "first"
        SECOND = "second"

    with pytest.raises(FlowError, match="say where"):
        Flow(
            steps={
                Two.FIRST: Step(lambda ctx: None, lambda ctx, a: None),
                Two.SECOND: Step(lambda ctx: None, lambda ctx, a: None, ()),
            }
        )  # type: ignore[arg-type,return-value]
    with pytest.raises(FlowError, match="no Step for"):
        Flow(steps={Two.FIRST: Step(lambda ctx: None, lambda ctx, a: None, ())})  # type: ignore[arg-type,return-value]


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
