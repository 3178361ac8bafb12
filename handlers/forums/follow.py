"""Forum & pengumuman: upcoming forums with RSVP, reminder subscriptions, and
the announcements on/off switch.

hub ──Forum mendatang──▶ list (paged) ──▶ detail ──Hadir/Tidak hadir/Mungkin──▶ detail
 │──Langganan pengingat──▶ subs ──Ingatkan / Hentikan: scope──▶ subs
 │                           └─(no home area)─▶ [consent] → home_kecamatan → home_kelurahan → subs
 └──Hentikan / Terima pengumuman──▶ hub (toggled)

A reminder's RSVP buttons (``!rsvp:<forum>:<answer>``) work from any step: ``rsvp_action``.
"""

from __future__ import annotations

from handlers.core.datetimes import short_date
from handlers.core.flow import HOME, Answer, Ctx, Flow, Prompt, Step, Steps
from handlers.core.naming import forum_name
from handlers.core.types import Option, Translator
from handlers.forums.cards import (
    ForumList,
    answer_label,
    describe,
    is_upcoming,
    place_of,
)
from handlers.widgets.area import Area, AreaPicker
from handlers.widgets.choices import back, menu
from handlers.widgets.consent import consent_step
from handlers.widgets.paging import Pager
from handlers.widgets.picker import Picker, short
from handlers.widgets.places import place_name
from handlers.widgets.words import option, words
from storage.announcements import set_opt_out
from storage.forums import (
    ForumError,
    get_forum,
    rsvp_of,
    set_rsvp,
    set_subscription,
    subscriptions_of,
    upcoming_forums,
)
from storage.models import AREA_LEVELS, RSVP_ANSWERS, ForumEvent
from storage.wilayah import Kecamatan, Kelurahan


class Forums(Steps, flow="forum"):
    HUB = "hub"
    LIST = "list"
    DETAIL = "detail"
    SUBS = "subs"
    CONSENT = "consent"
    HOME_KECAMATAN = "home_kecamatan"
    HOME_KELURAHAN = "home_kelurahan"


class FollowDraft(ForumList):
    scope: str | None = None  # the subscription waiting for the home area
    kecamatan: str | None = None  # the home kecamatan chosen, its kelurahan not yet


def _draft(ctx: Ctx) -> FollowDraft:
    return ctx.draft(FollowDraft)


LIST = Picker[ForumEvent](
    draft=FollowDraft,
    key=lambda forum: forum.id,
    label=lambda _ctx, forum: f"{short(forum.title)} · {short_date(forum.starts_at)}",
    holding="forum",
    prefix="f:",
    pager=Pager(5),
)


def _resident_id(ctx: Ctx) -> int:
    ctx.session.flush()  # a resident first seen just now gets its id
    assert ctx.resident.id is not None
    return ctx.resident.id


# --- the hub ----------------------------------------------------------------------


def ask_hub(ctx: Ctx) -> Prompt:
    """Forums, reminder subscriptions, and whether announcements come at all."""
    t = ctx.t
    active = ctx.resident.announcements_off_at is None
    status = t("forum.announcements_on" if active else "forum.announcements_off")
    toggle = t("forum.toggle_on" if active else "forum.toggle_off")
    return Prompt(
        t("forum.hub", status=status),
        (
            option(t, "list", "forum.upcoming", "forum_upcoming"),
            option(t, "subs", "forum.subscriptions", "forum_subscriptions"),
            Option("announcements", toggle, words(t, "forum_announcements")),
            menu(ctx.t),
        ),
    )


def on_hub(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "list":
            _draft(ctx).page = 0
            ctx.goto(Forums.LIST)
        case "subs":
            ctx.goto(Forums.SUBS)
        case "announcements":
            stopping = ctx.resident.announcements_off_at is None
            set_opt_out(
                session=ctx.session, resident=ctx.resident, now=ctx.now if stopping else None
            )
            ctx.note(
                ctx.t("forum.announcements_stopped" if stopping else "forum.announcements_resumed")
            )
            ctx.goto(Forums.HUB)
        case _:
            ctx.goto(HOME)


# --- upcoming forums ------------------------------------------------------------


def ask_list(ctx: Ctx) -> Prompt:
    """Forums ahead for the resident's area (city-wide ones too), a page at a time."""
    forums = upcoming_forums(
        ctx.session,
        now=ctx.now,
        kecamatan_code=ctx.resident.home_kecamatan_code,
        kelurahan_code=ctx.resident.home_kelurahan_code,
    )
    no_home = ctx.resident.home_kelurahan_code is None
    hint = "\n\n" + ctx.t("forum.city_only_hint") if no_home else ""
    return LIST.prompt(
        ctx,
        forums,
        text="forum.list",
        empty="forum.list_empty",
        line=_list_line,
        tail=hint,
        after=(back(ctx.t, "forum.back_to_hub", "hub"), menu(ctx.t)),
    )


def _list_line(ctx: Ctx, number: int, forum: ForumEvent) -> str:
    return ctx.t(
        "forum.list_line",
        number=number,
        name=forum_name(ctx.t, forum.forum_type, forum.title),
        when=ctx.t.datetime(forum.starts_at),
        place=place_of(ctx, forum),
    )


def on_list(ctx: Ctx, answer: Answer) -> None:
    if not LIST.answer(ctx, answer.option, again=Forums.LIST, then=Forums.DETAIL):
        ctx.goto(Forums.HUB if answer.option == "hub" else HOME)


def _forum(ctx: Ctx) -> ForumEvent | None:
    """The forum on screen, while it still takes answers."""
    try:
        forum = get_forum(ctx.session, _draft(ctx).forum or 0)
    except ForumError:
        return None
    return forum if is_upcoming(forum, ctx.now) else None


def ask_detail(ctx: Ctx) -> Prompt:
    """One forum: everything about it, the answers so far, and the resident's own."""
    forum = _forum(ctx)
    leave = (back(ctx.t, "forum.back_to_list"), menu(ctx.t))
    if forum is None or forum.id is None:
        return Prompt(ctx.t("forum.gone"), leave)
    own = rsvp_of(ctx.session, forum.id, ctx.resident.id) if ctx.resident.id else None
    if own is None:
        mine = ctx.t("forum.ask_rsvp")
    else:
        mine = ctx.t("forum.your_answer", answer=answer_label(ctx.t, own.answer))
    options = [
        Option(
            a,
            ("✅ " if own is not None and own.answer == a else "") + answer_label(ctx.t, a),
            (answer_label(ctx.t, a), a),
        )
        for a in RSVP_ANSWERS
    ]
    return Prompt(describe(ctx, forum) + "\n\n" + mine, (*options, *leave))


def on_detail(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "back":
            ctx.goto(Forums.LIST)
        case "menu":
            ctx.goto(HOME)
        case choice if choice in RSVP_ANSWERS:
            record_rsvp(ctx, _draft(ctx).forum or 0, choice)
            ctx.goto(Forums.DETAIL)


def record_rsvp(ctx: Ctx, forum_id: int, answer: str) -> bool:
    """Store (or change) the resident's answer and say so; False when the forum
    no longer takes answers (gone, cancelled, started), said politely."""
    try:
        forum = get_forum(ctx.session, forum_id)
        set_rsvp(
            session=ctx.session,
            forum_id=forum_id,
            resident_id=_resident_id(ctx),
            answer=answer,
            now=ctx.now,
        )
    except ForumError as refused:
        ctx.note(ctx.t("forum.rsvp_gone" if refused.reason == "not_found" else "forum.rsvp_closed"))
        return False
    key = "forum.rsvp_saved_hadir" if answer == "hadir" else "forum.rsvp_saved"
    ctx.note(ctx.t(key, title=forum.title, answer=answer_label(ctx.t, answer)))
    return True


def rsvp_action(ctx: Ctx, args: str) -> None:
    """A reminder's button, ``!rsvp:<forum id>:<answer>``, pressed at any step."""
    forum_id, _, answer = args.partition(":")
    if not forum_id.isdecimal() or answer not in RSVP_ANSWERS:
        ctx.invalid(ctx.t("engine.button_expired"))
        return
    record_rsvp(ctx, int(forum_id), answer)


# --- subscriptions ----------------------------------------------------------------


def _home_needed(ctx: Ctx, scope: str) -> bool:
    resident = ctx.resident
    if scope == "kelurahan":
        return resident.home_kelurahan_code is None
    return scope == "kecamatan" and resident.home_kecamatan_code is None


def _scope_name(ctx: Ctx, scope: str) -> str:
    """ "Kelurahan Bantan", "Kecamatan Siantar Barat", "Seluruh kota", or the
    resident's own (not known yet)."""
    resident, wilayah = ctx.resident, ctx.wilayah
    home: Kelurahan | Kecamatan | None
    if scope == "kelurahan":
        home = wilayah.find_kelurahan(resident.home_kelurahan_code)
    elif scope == "kecamatan":
        home = wilayah.find_kecamatan(resident.home_kecamatan_code)
    else:
        return ctx.t("forum.scope_kota")
    if home is None:
        return ctx.t(f"forum.scope_{scope}_mine")
    return ctx.t(f"forum.scope_{scope}", **{scope: home.name})


def ask_subs(ctx: Ctx) -> Prompt:
    """Which forums to be reminded of; each scope a toggle."""
    held = subscriptions_of(ctx.session, ctx.resident.id) if ctx.resident.id else set()
    scopes = tuple(reversed(AREA_LEVELS))  # kelurahan, kecamatan, kota
    options = [  # each button says what a press does, the text what holds now
        Option(
            f"s:{scope}",
            ctx.t(
                "forum.unsubscribe" if scope in held else "forum.subscribe",
                scope=_scope_name(ctx, scope),
            ),
            (scope,),
        )
        for scope in scopes
    ]
    if ctx.resident.home_kelurahan_code:
        options.append(option(ctx.t, "home", "forum.change_home", "change_home"))
    options.append(back(ctx.t, "forum.back_to_hub", "hub"))
    names = [_scope_name(ctx, scope) for scope in scopes if scope in held]
    parts = [
        ctx.t("forum.subs"),
        ctx.t("forum.subs_held", scopes=", ".join(names)) if names else ctx.t("forum.subs_none"),
    ]
    if ctx.resident.announcements_off_at is not None:
        parts.append(ctx.t("forum.subs_but_stopped"))
    return Prompt("\n\n".join(parts), tuple(options))


def on_subs(ctx: Ctx, answer: Answer) -> None:
    choice = answer.option or ""
    if choice == "hub":
        ctx.goto(Forums.HUB)
    elif choice == "home":
        _draft(ctx).scope = None
        _ask_home(ctx)
    elif choice.startswith("s:"):
        scope = choice[2:]
        if _home_needed(ctx, scope):
            _draft(ctx).scope = scope
            ctx.note(ctx.t("forum.home_first"))
            _ask_home(ctx)
        else:
            _toggle(ctx, scope)
            ctx.goto(Forums.SUBS)


def _ask_home(ctx: Ctx) -> None:
    """The home area is personal data: stored only with consent."""
    ctx.goto(Forums.HOME_KECAMATAN if ctx.resident.has_consent else Forums.CONSENT)


def _toggle(ctx: Ctx, scope: str, *, on: bool | None = None) -> None:
    resident_id = _resident_id(ctx)
    if on is None:
        on = scope not in subscriptions_of(ctx.session, resident_id)
    set_subscription(session=ctx.session, resident_id=resident_id, scope=scope, on=on, now=ctx.now)
    key = "forum.subscribed" if on else "forum.unsubscribed"
    ctx.note(ctx.t(key, scope=_scope_name(ctx, scope)))


def _consent_declined(ctx: Ctx) -> None:
    _draft(ctx).scope = None
    ctx.note(ctx.t("forum.consent_declined"))
    ctx.goto(Forums.SUBS)


def _back_to_subs(t: Translator) -> Option:
    return Option("back", t("forum.back_to_subs"), (*words(t, "back"), *words(t, "no")))


CONSENT = consent_step(  # the home area is personal data
    needed="forum.consent_needed",
    agree=lambda t: option(t, "agree", "forum.consent_agree", "agree"),
    decline=_back_to_subs,
    agreed=Forums.HOME_KECAMATAN,
    declined=_consent_declined,
    to=(Forums.SUBS,),
)


def _home_dropped(ctx: Ctx) -> None:
    _draft(ctx).scope = None
    ctx.goto(Forums.SUBS)


def _home_chosen(ctx: Ctx, area: Area) -> None:
    """Keep the home area, then switch on the subscription that waited for it."""
    ctx.resident.home_kecamatan_code = area.kecamatan
    ctx.resident.home_kelurahan_code = area.kelurahan
    ctx.note(ctx.t("onboarding.home_saved", place=place_name(ctx, area.kelurahan)))
    draft = _draft(ctx)
    if draft.scope:
        _toggle(ctx, draft.scope, on=True)
        draft.scope = None
    ctx.goto(Forums.SUBS)


HOME_AREA = AreaPicker(
    kecamatan=Forums.HOME_KECAMATAN,
    kelurahan=Forums.HOME_KELURAHAN,
    draft=FollowDraft,
    holding="kecamatan",
    ask_kecamatan=lambda ctx: ctx.t("forum.ask_kecamatan"),
    ask_kelurahan=lambda ctx, kecamatan: ctx.t("onboarding.ask_kelurahan", kecamatan=kecamatan),
    chosen=_home_chosen,
    to=(Forums.SUBS,),
    leave=_home_dropped,
    leave_label="forum.back_to_subs",
)

FLOW = Flow(
    steps={
        Forums.HUB: Step(ask_hub, on_hub, (Forums.LIST, Forums.SUBS, Forums.HUB, HOME)),
        Forums.LIST: Step(ask_list, on_list, (Forums.LIST, Forums.DETAIL, Forums.HUB, HOME)),
        Forums.DETAIL: Step(ask_detail, on_detail, (Forums.DETAIL, Forums.LIST, HOME)),
        Forums.SUBS: Step(
            ask_subs, on_subs, (Forums.SUBS, Forums.HUB, Forums.CONSENT, Forums.HOME_KECAMATAN)
        ),
        Forums.CONSENT: CONSENT,
        **HOME_AREA.steps(),
    }
)
