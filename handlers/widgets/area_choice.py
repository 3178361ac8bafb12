"""Whom a forum or a training is for: the whole city, a kecamatan, or one kelurahan.

Both facilitator flows ask it in two steps, ``area`` and ``area_kelurahan``, each
with its own wording. The answer is kept as ``ctx.data["area_level"]`` ("kota",
"kecamatan" or "kelurahan") and ``ctx.data["area_code"]``; the kecamatan chosen in
between waits in ``ctx.data["area_kecamatan"]``.
"""

from __future__ import annotations

from handlers.core.flow import Answer, Ctx, Prompt
from handlers.core.types import Option
from handlers.widgets import choices
from handlers.widgets.places import kecamatan_name, kecamatan_options, kelurahan_options


def ask_area(ctx: Ctx, question: str, city: str) -> Prompt:
    """The whole city (``city`` is its button), or one of the kecamatan."""
    whole_city = Option("kota", city, ("kota", "city"))
    return Prompt(question, (whole_city, *kecamatan_options(ctx)))


def on_area(ctx: Ctx, answer: Answer, flow: str) -> bool:
    """True when the area is settled (the whole city); otherwise the flow goes on to
    ask for a kelurahan of the chosen kecamatan."""
    if answer.option == "kota":
        ctx.data["area_level"], ctx.data["area_code"] = "kota", None
        return True
    ctx.data["area_kecamatan"] = answer.option
    ctx.goto(flow, "area_kelurahan")
    return False


def chosen_kecamatan(ctx: Ctx) -> str:
    """The name of the kecamatan chosen in the ``area`` step."""
    return kecamatan_name(ctx, ctx.data.get("area_kecamatan"))


def ask_kelurahan(ctx: Ctx, question: str, whole_kecamatan: str) -> Prompt:
    """The whole kecamatan (``whole_kecamatan`` is its button), one of its
    kelurahan, or back to another kecamatan."""
    kecamatan = ctx.data.get("area_kecamatan") or ""
    whole = Option("all", whole_kecamatan)
    back = choices.back(ctx.t, "common.other_kecamatan")
    return Prompt(question, (whole, *kelurahan_options(ctx, kecamatan), back))


def on_kelurahan(ctx: Ctx, answer: Answer, flow: str) -> bool:
    """True when the area is settled; False after "back" (the ``area`` step again)."""
    if answer.option == "back":
        ctx.goto(flow, "area")
        return False
    kecamatan = ctx.data.pop("area_kecamatan", None)
    if answer.option == "all":
        ctx.data["area_level"], ctx.data["area_code"] = "kecamatan", kecamatan
    else:
        ctx.data["area_level"], ctx.data["area_code"] = "kelurahan", answer.option
    return True
