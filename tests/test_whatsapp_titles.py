"""Every option label a flow can send fits a WhatsApp title, by construction.

WhatsApp cuts a reply-button title at 20 characters ("Setuju dan lanjut…") and a list
row title at 24. A label longer than 20 has ``<key>.short`` beside it in both catalogs;
the renderer shows that instead (``bot.i18n.short_labels``). This test finds the catalog
keys that label options by reading the flows' source: the label of every ``Option(…)``
(the ``t(...)`` calls inside it, following a variable to its assignment in the same
function), the key of every ``option(t, value, key)``, ``yes_no(t, yes, no)`` and
``back(t, key)``, and the default of every parameter or field named ``*label``. A key
built with an f-string (``f"menu.{item}"``) is expanded over the constant its loop runs
over (``HELP_ITEMS``), imported from the module. Labels filled with data (a kelurahan,
a name, a forum title) are not catalog text: the renderer fits those at a word.
"""

from __future__ import annotations

import ast
import importlib
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.i18n import LANGUAGES, load_catalog, short_labels
from bot.whatsapp.channel import WhatsAppChannel
from bot.whatsapp.render import BUTTON_TITLE, ROW_TITLE, Words, render
from handlers.core.types import Option, Reply
from handlers.desk.tasks import FOLLOW_UP, OFFICER_MOVES
from handlers.registry import REGISTRY

ROOT = Path(__file__).parents[1]
KEY_ARGUMENT = {"option": 2, "back": 1}  # function → position of its label key
LABEL_CALLS = {"t", "_t"}
# loops over what exists only at run time: the main menu's entries, from the registry
RUNTIME = {
    "entries": [entry.value for entry in REGISTRY.menu],
    "actions": [FOLLOW_UP, *{move for moves in OFFICER_MOVES.values() for move in moves}],
}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _keys_of(node: ast.expr, module: object, loops: dict[str, ast.expr]) -> Iterator[str]:
    """The catalog keys ``node`` (a key expression) can take."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _keys_of(node.body, module, loops)
        yield from _keys_of(node.orelse, module, loops)
    elif isinstance(node, ast.JoinedStr):
        parts: list[list[str]] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append([str(value.value)])
            else:
                assert isinstance(value, ast.FormattedValue)
                parts.append(_values_of(value.value, module, loops))
        for combination in itertools.product(*parts):
            yield "".join(combination)


def _values_of(node: ast.expr, module: object, loops: dict[str, ast.expr]) -> list[str]:
    """The strings a loop variable in a key takes: the constant its loop runs over."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        node = ast.Name(node.value.id)  # e.g. e.value over an enum
    assert isinstance(node, ast.Name), ast.unparse(node)
    source = loops.get(node.id)
    assert source is not None, f"no loop gives {node.id}"
    if isinstance(source, ast.Name) and source.id in RUNTIME:
        return list(RUNTIME[source.id])
    try:
        values = eval(ast.unparse(source), vars(module))  # noqa: S307 - our own constants
    except NameError as error:
        raise AssertionError(f"{module}: {ast.unparse(source)}") from error
    return [str(getattr(v, "value", v)) for v in values]


def _loops(tree: ast.AST) -> dict[str, ast.expr]:
    """Name → what gives its values: a loop's iterable; a local ``x = "a" if … else "b"``
    as ``("a", "b")``; a local tuple (``parts = ("name", …)``) inlined into the loop."""
    found: dict[str, ast.expr] = {}
    local: dict[str, ast.expr] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.IfExp):
                found[node.targets[0].id] = ast.Tuple([value.body, value.orelse])
            elif isinstance(value, ast.Tuple):
                local[node.targets[0].id] = value
    for node in ast.walk(tree):
        if isinstance(node, ast.comprehension | ast.For) and isinstance(node.target, ast.Name):
            source = node.iter
            if isinstance(source, ast.Name) and source.id in local:
                source = local[source.id]
            found[node.target.id] = source
    return found


def _t_keys(node: ast.AST, module: object, loops: dict[str, ast.expr]) -> Iterator[str]:
    """The keys of the outermost ``t(...)`` calls in ``node`` (not those filling them)."""
    if isinstance(node, ast.Call) and node.args:
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name in LABEL_CALLS:
            yield from _keys_of(node.args[0], module, loops)
            return
    for child in ast.iter_child_nodes(node):
        yield from _t_keys(child, module, loops)


def option_label_keys() -> set[str]:
    keys: set[str] = set()
    for path in sorted(ROOT.glob("handlers/**/*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = importlib.import_module(_module_name(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.ClassDef):
                continue
            loops = _loops(function)
            assigned: dict[str, list[ast.expr]] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            assigned.setdefault(target.id, []).append(node.value)
                # parameters and fields named *label: their default is a label key
                if isinstance(node, ast.arguments):
                    named = [*node.posonlyargs, *node.args][-len(node.defaults) or len(node.args) :]
                    for arg, default in zip(named, node.defaults, strict=False):
                        if arg.arg.endswith("label"):
                            keys.update(_keys_of(default, module, loops))
                if (
                    isinstance(node, ast.AnnAssign)
                    and isinstance(node.target, ast.Name)
                    and node.target.id.endswith("label")
                    and node.value is not None
                ):
                    keys.update(_keys_of(node.value, module, loops))
                if not isinstance(node, ast.Call):
                    continue
                for keyword in node.keywords:  # leave_label="forum.back_to_subs"
                    if keyword.arg and keyword.arg.endswith("label"):
                        keys.update(_keys_of(keyword.value, module, loops))
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in KEY_ARGUMENT and len(node.args) > KEY_ARGUMENT[name]:
                    keys.update(_keys_of(node.args[KEY_ARGUMENT[name]], module, loops))
                elif name == "yes_no" and len(node.args) > 2:
                    for arg in node.args[1:3]:
                        keys.update(_keys_of(arg, module, loops))
                elif name == "Option" and len(node.args) > 1:
                    label = node.args[1]
                    sources = assigned.get(label.id, []) if isinstance(label, ast.Name) else [label]
                    for source in sources:
                        if not isinstance(source, ast.JoinedStr):  # text with data in it
                            keys.update(_t_keys(source, module, loops))
    return keys


KEYS = sorted(option_label_keys())


def test_the_walk_finds_the_labels_of_every_kind_of_builder() -> None:
    """A guard on the walk itself: one key from each way of building an option."""
    for key in (
        "menu.aspiration",  # Option(e.value, ctx.t(f"menu.{e.value}")) over the menu
        "help.menu.contact",  # f"{prefix}{entry}" over HELP_ENTRIES
        "onboarding.agree",  # yes_no
        "common.back_to_menu",  # option() inside menu()
        "common.next_page",  # a parameter default named *_label
        "forum.toggle_on",  # a variable assigned in the same function
        "training.business_pertanian",  # Option over BUSINESS_TYPES
    ):
        assert key in KEYS, key
    assert len(KEYS) > 100


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_option_label_has_a_whatsapp_title_of_at_most_20(language: str) -> None:
    catalog = load_catalog(language)
    missing = [key for key in KEYS if key not in catalog]
    assert missing == []
    words = Words("Pilih", "Berikutnya", "Sebelumnya", "{page}/{pages}", short_labels(language))
    too_long = {}
    for key in KEYS:
        label = catalog[key]
        if "{" in label:  # filled with data: fitted at a word by the renderer
            continue
        title = words.shorts.get(label, label)
        if len(title) > BUTTON_TITLE or title != words.title(label, BUTTON_TITLE):
            too_long[key] = title
    assert too_long == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_short_titles_belong_to_a_label_and_fit(language: str) -> None:
    catalog = load_catalog(language)
    for key, short in catalog.items():
        if key.endswith(".short"):
            assert key.removesuffix(".short") in catalog, key
            assert 0 < len(short) <= BUTTON_TITLE, (key, short)


def test_the_renderer_sends_the_written_short_title_without_listing_labels() -> None:
    label = load_catalog("id")["training.business_pertanian"]
    shorts = short_labels("id")
    words = WhatsAppChannel.words("id")  # what the channel hands the renderer
    assert words.shorts == shorts
    assert WhatsAppChannel.words("en").shorts["Forums & announcements"] == "Forums & notices"

    class Ids:
        def option(self, chat: str, prompt_id: int, value: str) -> str:
            return f"{prompt_id}:{value}"

    reply = Reply("Jenis usaha?", (Option("tani", label), Option("lain", "Lainnya")), 1)
    (message,) = render(reply, "62812", Ids(), words)  # type: ignore[arg-type]
    assert [b.title for b in message.buttons] == [shorts[label], "Lainnya"]
    assert message.text == "Jenis usaha?"
    rows = tuple(Option(str(n), label if n == 0 else f"Pilihan {n}") for n in range(5))
    (listed,) = render(Reply("Jenis usaha?", rows, 1), "62812", Ids(), words)  # type: ignore[arg-type]
    assert listed.rows[0].title == shorts[label]
    assert listed.rows[0].description == label  # the list keeps the whole label under it
    assert len(listed.rows[0].title) <= ROW_TITLE
