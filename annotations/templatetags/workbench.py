"""Template filters for the browser pages."""

import functools
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import markdown as markdown_lib
import nh3
import orjson
from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# nh3's defaults minus images: the Content-Security-Policy would block other hosts' images
# anyway, and a guideline has no business loading a tracking pixel.
ALLOWED_TAGS = nh3.ALLOWED_TAGS - {"img"}
LIST_ITEM = re.compile(r"\s{0,3}(?:[-*+]|\d{1,9}[.)])\s")
# What may start a list right under a paragraph line (CommonMark: bullets, or "1.").
INTERRUPTING_ITEM = re.compile(r"\s{0,3}(?:[-*+]|1[.)])\s")
FENCE = re.compile(r"\s{0,3}(?:```|~~~)")
# A static import of a module beside the importing one: `import { x } from "./x.js";`.
MODULE_IMPORT = re.compile(r'(?:\bfrom|^import)\s*"\./([\w-]+\.js)"', re.M)
# What json_data escapes: inside <script> these could end the element or start a comment.
SCRIPT_ESCAPES = (("&", "\\u0026"), ("<", "\\u003C"), (">", "\\u003E"))


@register.filter
def markdown(value: str) -> SafeString:
    """Render markdown (guidelines) to HTML sanitised by nh3; raw HTML in it is cleaned too."""
    html = markdown_lib.markdown(
        _lists_interrupt_paragraphs(value or ""), extensions=["extra", "sane_lists"]
    )
    # The one mark_safe of the browser pages: nh3 keeps only harmless tags and attributes.
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS))  # noqa: S308


def _lists_interrupt_paragraphs(text: str) -> str:
    """Start a list right after a line of text, as CommonMark does and Python-Markdown does not.

    Guidelines are written that way ("add one stance:" then "- the value: ..."); without a
    blank line Python-Markdown would run the items into the paragraph.
    """
    lines: list[str] = []
    fenced = False
    for line in text.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
        previous = lines[-1] if lines else ""
        # After a paragraph line; not after an item, nor an item's indented continuation.
        after_text = (
            previous.strip()
            and not LIST_ITEM.match(previous)
            and not previous.startswith((" ", "\t"))
        )
        if not fenced and after_text and INTERRUPTING_ITEM.match(line):
            lines.append("")
        lines.append(line)
    return "\n".join(lines)


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as a short human duration: "45 s", "4 min 12 s", "2 h 5 min"; "—" for None."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, second = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {second} s" if second else f"{minutes} min"
    hours, minute = divmod(minutes, 60)
    return f"{hours} h {minute} min" if minute else f"{hours} h"


# What the button that opens your work says, by the state your work is in: every page (the
# home cards, the project page, the queue's start page, the documents list) words one state
# the same way. ``queue_state`` names the state of a project's queue, ``document_state`` that of
# one document.
WORK_ACTIONS = {
    "continue": "Continue annotating",
    "start": "Start annotating",
    "done": "All done",
    "empty": "Nothing to annotate yet",
}


def queue_state(project: Any) -> str:
    """Name the state of the caller's queue from a project with its progress annotations."""
    if project.progress_assigned > project.progress_done:
        return "continue"
    if project.progress_available:
        return "start"
    return "done" if project.progress_done else "empty"


@register.filter
def queue_action(project: Any) -> str:
    """What the button opening the caller's next work in ``project`` says."""
    return WORK_ACTIONS[queue_state(project)]


@register.simple_tag
def work_action(state: str) -> str:
    """The wording of a state of your work: ``{% work_action "start" %}``."""
    return WORK_ACTIONS[state]


@register.filter
def json_data(value: Any, element_id: str) -> SafeString:
    """Render ``value`` as a JSON ``<script>`` element, like ``json_script``, in UTF-8.

    Django's ``json_script`` writes every non-ASCII character as a six-byte escape (``é``
    becomes ``\\u00e9``) and runs at the pace of ``json.dumps``: a 2 MB document in French or
    Chinese becomes 3 to 6 MB of JSON. orjson writes UTF-8 as it is, about ten times faster; the
    three characters that could close the element or open a comment are escaped the same way.
    """
    text = orjson.dumps(value).decode()
    for character, escaped in SCRIPT_ESCAPES:
        text = text.replace(character, escaped)
    # Safe: the JSON holds no "<", ">" or "&" (escaped above), so it cannot leave the element.
    return format_html(
        '<script id="{}" type="application/json">{}</script>',
        element_id,
        mark_safe(text),  # noqa: S308
    )


@register.simple_tag
def module_preloads(entry: str) -> SafeString:
    """``<link rel="modulepreload">`` for every module ``entry`` (a static path) imports.

    Without them the browser finds a module's imports only once the module has arrived, one
    level at a time, and only when the parser has time for it (after a 2 MB page it had none):
    the annotate page's 22 modules came in four waves. The links name each module by the URL
    its import resolves to (beside the entry's, hashed or not), so nothing is fetched twice.
    """
    base = static(entry)
    return format_html_join(
        "\n",
        '<link rel="modulepreload" href="{}">',
        ((urljoin(base, name),) for name in _imports(entry)),
    )


@functools.cache
def _imports(entry: str) -> tuple[str, ...]:
    """The file names of the modules ``entry`` imports, directly or not, in a stable order."""
    folder = entry.rsplit("/", 1)[0]
    found: dict[str, None] = {}
    waiting = [entry.rsplit("/", 1)[1]]
    while waiting:
        path = finders.find(f"{folder}/{waiting.pop(0)}")
        if path is None:
            continue
        for name in MODULE_IMPORT.findall(Path(str(path)).read_text(encoding="utf-8")):
            if name not in found:
                found[name] = None
                waiting.append(name)
    return tuple(found)
