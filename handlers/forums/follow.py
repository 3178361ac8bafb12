"""Forum & pengumuman: upcoming forums with RSVP, reminder subscriptions, and
the announcements on/off switch.

hub ──Forum mendatang──▶ list (paged) ──▶ detail ──Hadir/Tidak hadir/Mungkin──▶ detail
 │──Langganan pengingat──▶ subs ──✅/⬜ scope──▶ subs
 │                           └─(no home area)─▶ [consent] → home_kecamatan → home_kelurahan → subs
 └──Pengumuman: aktif/berhenti──▶ hub (toggled)

A reminder's RSVP buttons (``!rsvp:<forum>:<answer>``) work from any step: ``rsvp_action``.
"""

from __future__ import annotations

from handlers.core.datetimes import short_date
from handlers.core.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.core.types import Option, Translator
from handlers.privacy.onboarding import record_consent
from handlers.widgets import choices
from handlers.widgets.places import kecamatan_name, kecamatan_options, kelurahan_options, place_name
from handlers.widgets.words import words
from storage.announcements import set_opt_out
from storage.forums import (
    ForumError,
    get_forum,
    rsvp_counts,
    rsvp_of,
    set_rsvp,
    set_subscription,
    subscriptions_of,
    upcoming_forums,
)
from storage.models import AREA_LEVELS, RSVP_ANSWERS, ForumEvent

FLOW_NAME = "forum"
PAGE = 5
TITLE_IN_BUTTON = 40
MENU_WORDS = ("menu",)


def _go(ctx: Ctx, step: str) -> None:
    ctx.goto(FLOW_NAME, step, keep_data=True)


def _short(title: str) -> str:
    return title if len(title) <= TITLE_IN_BUTTON else title[: TITLE_IN_BUTTON - 1] + "…"


def _resident_id(ctx: Ctx) -> int:
    ctx.session.flush()  # a resident first seen just now gets its id
    assert ctx.resident.id is not None
    return ctx.resident.id


def type_label(t: Translator, forum_type: str) -> str:
    return t(f"forum.type_{forum_type}")


def answer_label(t: Translator, answer: str) -> str:
    return t(f"forum.rsvp_{answer}")


def area_label(ctx: Ctx, level: str, code: str | None) -> str:
    """Whose forum it is: the whole city, a kecamatan, or one kelurahan."""
    if level == "kecamatan":
        return ctx.t("forum.area_kecamatan", kecamatan=kecamatan_name(ctx, code))
    if level == "kelurahan":
        return place_name(ctx, code)
    return ctx.t("forum.area_city")


def place_of(ctx: Ctx, forum: ForumEvent) -> str:
    return forum.place or ctx.t("forum.place_unknown")


def counts_line(ctx: Ctx, forum_id: int) -> str:
    counts = rsvp_counts(ctx.session, forum_id)
    return ctx.t(
        "forum.counts", hadir=counts["hadir"], tidak=counts["tidak"], mungkin=counts["mungkin"]
    )


def describe(ctx: Ctx, forum: ForumEvent) -> str:
    """A forum as residents see it: what, when, where, for whom, the agenda."""
    assert forum.id is not None
    parts = [
        ctx.t(
            "forum.detail",
            type=type_label(ctx.t, forum.forum_type),
            title=forum.title,
            when=ctx.t.datetime(forum.starts_at),
            place=place_of(ctx, forum),
            area=area_label(ctx, forum.area_level, forum.area_code),
        )
    ]
    if forum.status == "moved":
        parts.append(ctx.t("forum.was_moved"))
    if forum.agenda:
        parts.append(ctx.t("forum.agenda", agenda=forum.agenda))
    parts.append(counts_line(ctx, forum.id))
    return "\n\n".join(parts)


# --- the hub ----------------------------------------------------------------------


def ask_hub(ctx: Ctx) -> Prompt:
    """Forums, reminder subscriptions, and whether announcements come at all."""
    active = ctx.resident.announcements_off_at is None
    status = ctx.t("forum.announcements_on" if active else "forum.announcements_off")
    toggle = ctx.t("forum.toggle_on" if active else "forum.toggle_off")
    return Prompt(
        ctx.t("forum.hub", status=status),
        (
            Option("list", ctx.t("forum.upcoming"), ("forum mendatang", "upcoming forums")),
            Option("subs", ctx.t("forum.subscriptions"), ("langganan", "subscriptions")),
            Option("announcements", toggle, ("pengumuman", "announcements")),
            Option("menu", ctx.t("common.back_to_menu"), MENU_WORDS),
        ),
    )


def on_hub(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "list":
            ctx.data["page"] = 0
            _go(ctx, "list")
        case "subs":
            _go(ctx, "subs")
        case "announcements":
            stopping = ctx.resident.announcements_off_at is None
            set_opt_out(
                session=ctx.session, resident=ctx.resident, now=ctx.now if stopping else None
            )
            ctx.note(
                ctx.t("forum.announcements_stopped" if stopping else "forum.announcements_resumed")
            )
            _go(ctx, "hub")
        case _:
            ctx.goto("menu")


# --- upcoming forums ------------------------------------------------------------


def _upcoming(ctx: Ctx) -> list[ForumEvent]:
    return upcoming_forums(
        ctx.session,
        now=ctx.now,
        kecamatan_code=ctx.resident.home_kecamatan_code,
        kelurahan_code=ctx.resident.home_kelurahan_code,
    )


def ask_list(ctx: Ctx) -> Prompt:
    """Forums ahead for the resident's area (city-wide ones too), a page at a time."""
    forums = _upcoming(ctx)
    pages = max(1, -(-len(forums) // PAGE))
    page = ctx.data["page"] = min(int(ctx.data.get("page", 0)), pages - 1)
    shown = forums[page * PAGE : (page + 1) * PAGE]
    options = [Option(f"f:{f.id}", f"{_short(f.title)} · {short_date(f.starts_at)}") for f in shown]
    if page + 1 < pages:
        options.append(Option("next", ctx.t("common.next_page"), ("berikutnya", "next")))
    if page > 0:
        options.append(Option("prev", ctx.t("common.prev_page"), ("sebelumnya", "prev")))
    options.append(choices.back(ctx.t, "forum.back_to_hub", "hub"))
    options.append(Option("menu", ctx.t("common.back_to_menu"), MENU_WORDS))
    no_home = ctx.resident.home_kelurahan_code is None
    hint = "\n\n" + ctx.t("forum.city_only_hint") if no_home else ""
    if not forums:
        return Prompt(ctx.t("forum.list_empty") + hint, tuple(options))
    lines = [
        ctx.t(
            "forum.list_line",
            number=page * PAGE + i,
            type=type_label(ctx.t, f.forum_type),
            title=f.title,
            when=ctx.t.datetime(f.starts_at),
            place=place_of(ctx, f),
        )
        for i, f in enumerate(shown, start=1)
    ]
    text = ctx.t("forum.list", lines="\n\n".join(lines), page=page + 1, pages=pages)
    return Prompt(text + hint, tuple(options))


def on_list(ctx: Ctx, answer: Answer) -> None:
    option = answer.option or ""
    if option in ("next", "prev"):
        ctx.data["page"] = max(0, int(ctx.data.get("page", 0)) + (1 if option == "next" else -1))
        _go(ctx, "list")
    elif option.startswith("f:"):
        ctx.data["forum"] = int(option[2:])
        _go(ctx, "detail")
    elif option == "hub":
        _go(ctx, "hub")
    else:
        ctx.goto("menu")


def _forum(ctx: Ctx) -> ForumEvent | None:
    """The forum on screen, while it still takes answers."""
    try:
        forum = get_forum(ctx.session, int(ctx.data.get("forum", 0)))
    except (ForumError, ValueError):
        return None
    if forum.status not in ("scheduled", "moved") or forum.starts_at <= ctx.now:
        return None
    return forum


def ask_detail(ctx: Ctx) -> Prompt:
    """One forum: everything about it, the answers so far, and the resident's own."""
    forum = _forum(ctx)
    back = choices.back(ctx.t, "forum.back_to_list")
    menu = Option("menu", ctx.t("common.back_to_menu"), MENU_WORDS)
    if forum is None or forum.id is None:
        return Prompt(ctx.t("forum.gone"), (back, menu))
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
    return Prompt(describe(ctx, forum) + "\n\n" + mine, (*options, back, menu))


def on_detail(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "back":
            _go(ctx, "list")
        case "menu":
            ctx.goto("menu")
        case choice if choice in RSVP_ANSWERS:
            record_rsvp(ctx, int(ctx.data.get("forum", 0)), choice)
            _go(ctx, "detail")


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
    resident = ctx.resident
    if scope == "kelurahan":
        home = ctx.wilayah.find_kelurahan(resident.home_kelurahan_code)
        if home is None:
            return ctx.t("forum.scope_kelurahan_mine")
        return ctx.t("forum.scope_kelurahan", kelurahan=home.name)
    if scope == "kecamatan":
        kecamatan = ctx.wilayah.find_kecamatan(resident.home_kecamatan_code)
        if kecamatan is None:
            return ctx.t("forum.scope_kecamatan_mine")
        return ctx.t("forum.scope_kecamatan", kecamatan=kecamatan.name)
    return ctx.t("forum.scope_kota")


def _scope_label(ctx: Ctx, scope: str, on: bool) -> str:
    return f"{'✅' if on else '⬜'} {_scope_name(ctx, scope)}"


def ask_subs(ctx: Ctx) -> Prompt:
    """Which forums to be reminded of; each scope a toggle."""
    held = subscriptions_of(ctx.session, ctx.resident.id) if ctx.resident.id else set()
    options = [
        Option(f"s:{scope}", _scope_label(ctx, scope, scope in held), (scope,))
        for scope in reversed(AREA_LEVELS)  # kelurahan, kecamatan, kota
    ]
    if ctx.resident.home_kelurahan_code:
        options.append(Option("home", ctx.t("forum.change_home"), ("ganti kelurahan",)))
    options.append(choices.back(ctx.t, "forum.back_to_hub", "hub"))
    parts = [ctx.t("forum.subs")]
    if ctx.resident.announcements_off_at is not None:
        parts.append(ctx.t("forum.subs_but_stopped"))
    return Prompt("\n\n".join(parts), tuple(options))


def on_subs(ctx: Ctx, answer: Answer) -> None:
    option = answer.option or ""
    if option == "hub":
        _go(ctx, "hub")
    elif option == "home":
        ctx.data.pop("scope", None)
        _ask_home(ctx)
    elif option.startswith("s:"):
        scope = option[2:]
        if _home_needed(ctx, scope):
            ctx.data["scope"] = scope
            ctx.note(ctx.t("forum.home_first"))
            _ask_home(ctx)
        else:
            _toggle(ctx, scope)
            _go(ctx, "subs")


def _ask_home(ctx: Ctx) -> None:
    """The home area is personal data: stored only with consent."""
    _go(ctx, "home_kecamatan" if ctx.resident.has_consent else "consent")


def _toggle(ctx: Ctx, scope: str, *, on: bool | None = None) -> None:
    resident_id = _resident_id(ctx)
    if on is None:
        on = scope not in subscriptions_of(ctx.session, resident_id)
    set_subscription(session=ctx.session, resident_id=resident_id, scope=scope, on=on, now=ctx.now)
    key = "forum.subscribed" if on else "forum.unsubscribed"
    ctx.note(ctx.t(key, scope=_scope_name(ctx, scope)))


def ask_consent(ctx: Ctx) -> Prompt:
    """Storing the home area needs the resident's consent."""
    text = "\n\n".join([ctx.t("forum.consent_needed"), ctx.t("onboarding.privacy")])
    return Prompt(
        text,
        (
            Option("agree", ctx.t("forum.consent_agree"), words(ctx.t, "agree")),
            Option("back", ctx.t("forum.back_to_subs"), (*words(ctx.t, "back"), "tidak", "no")),
        ),
    )


def on_consent(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "agree":
        record_consent(ctx)
        ctx.note(ctx.t("onboarding.thanks"))
        _go(ctx, "home_kecamatan")
    else:
        ctx.data.pop("scope", None)
        ctx.note(ctx.t("forum.consent_declined"))
        _go(ctx, "subs")


def ask_home_kecamatan(ctx: Ctx) -> Prompt:
    """Where the resident lives, kecamatan first."""
    back = choices.back(ctx.t, "forum.back_to_subs")
    return Prompt(ctx.t("forum.ask_kecamatan"), (*kecamatan_options(ctx), back))


def on_home_kecamatan(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.data.pop("scope", None)
        _go(ctx, "subs")
        return
    ctx.data["kecamatan"] = answer.option
    _go(ctx, "home_kelurahan")


def ask_home_kelurahan(ctx: Ctx) -> Prompt:
    kecamatan = ctx.data.get("kecamatan") or ""
    return Prompt(
        ctx.t("onboarding.ask_kelurahan", kecamatan=kecamatan_name(ctx, kecamatan)),
        (
            *kelurahan_options(ctx, kecamatan),
            choices.back(ctx.t, "common.other_kecamatan"),
        ),
    )


def on_home_kelurahan(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        _go(ctx, "home_kecamatan")
        return
    kelurahan = ctx.wilayah.find_kelurahan(answer.option)
    assert kelurahan is not None  # an option of this step
    ctx.resident.home_kecamatan_code = kelurahan.kecamatan_code
    ctx.resident.home_kelurahan_code = kelurahan.code
    ctx.note(ctx.t("onboarding.home_saved", place=place_name(ctx, kelurahan.code)))
    scope = ctx.data.pop("scope", None)
    if scope:
        _toggle(ctx, scope, on=True)
    _go(ctx, "subs")


FLOW = Flow(
    name=FLOW_NAME,
    start="hub",
    steps={
        "hub": Step(ask_hub, on_hub),
        "list": Step(ask_list, on_list),
        "detail": Step(ask_detail, on_detail),
        "subs": Step(ask_subs, on_subs),
        "consent": Step(ask_consent, on_consent),
        "home_kecamatan": Step(ask_home_kecamatan, on_home_kecamatan),
        "home_kelurahan": Step(ask_home_kelurahan, on_home_kelurahan),
    },
)
