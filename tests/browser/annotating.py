"""What the annotate-page tests share: a project set up like the demo, and text selection."""

from dataclasses import dataclass

from playwright.sync_api import Page, expect

from annotations.models import Annotation, Document, Label, Project, StanceTarget
from tests.factories import (
    DocumentFactory,
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    StanceTargetFactory,
    UserFactory,
)

TEXT = (
    "Keita met Macron in Bamako on Monday.\n\n"
    "The ministry said that about 1,500 troops are involved in the operation."
)


@dataclass
class World:
    project: Project
    user: object
    labels: dict[str, Label]
    targets: list[StanceTarget]
    document: Document


def make_world(*, text: str = TEXT, username: str = "ana", allow_overlap: bool = False) -> World:
    """A project with the demo's labels and two stance targets, one member and one document."""
    project = ProjectFactory(name="Sahel news", allow_overlap=allow_overlap)
    user = UserFactory(username=username)
    MembershipFactory(project=project, user=user, role="annotator")
    specs = [
        ("PER", "entity", "p", "#4e79a7"),
        ("ORG", "entity", "o", "#f28e2b"),
        ("LOC", "entity", "l", "#59a14f"),
        ("CLAIM", "claim", "c", "#b07aa1"),
        ("FAVOR", "stance", "f", "#009e73"),
        ("AGAINST", "stance", "a", "#d55e00"),
        ("NEUTRAL", "stance", "t", "#bab0ac"),
    ]
    labels = {
        name: LabelFactory(project=project, name=name, kind=kind, shortcut=key, color=color)
        for name, kind, key, color in specs
    }
    targets = [
        StanceTargetFactory(project=project, name="the French intervention"),
        StanceTargetFactory(project=project, name="the elections"),
    ]
    document = DocumentFactory(project=project, text=text, external_id="doc-1")
    return World(project, user, labels, targets, document)


def open_document(page: Page, live_server, document: Document) -> Page:
    """Open the annotate page of ``document`` and wait until its script has drawn the text."""
    page.goto(f"{live_server.url}/documents/{document.pk}/annotate/")
    expect(page.locator("#annotator.ready")).to_be_attached()
    return page


def utf16(text: str, offset: int) -> int:
    """A code-point offset into ``text`` as the browser counts it (UTF-16 code units)."""
    return len(text[:offset].encode("utf-16-le")) // 2


def select(page: Page, text: str, start: int, end: int) -> None:
    """Select ``text[start:end]`` (code points) in #document-text, as a mouse drag would."""
    page.evaluate(
        """([start, end]) => {
            const root = document.getElementById("document-text");
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            const range = document.createRange();
            let seen = 0, node, startSet = false;
            while ((node = walker.nextNode())) {
                const length = node.data.length;
                if (!startSet && start <= seen + length) {
                    range.setStart(node, start - seen);
                    startSet = true;
                }
                if (startSet && end <= seen + length) {
                    range.setEnd(node, end - seen);
                    break;
                }
                seen += length;
            }
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }""",
        [utf16(text, start), utf16(text, end)],
    )


def select_words(page: Page, text: str, words: str, occurrence: int = 0) -> tuple[int, int]:
    """Select the ``occurrence``-th ``words`` of ``text``; return its code-point range."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(words, start + 1)
    select(page, text, start, start + len(words))
    return start, start + len(words)


def wait_saved(page: Page) -> None:
    expect(page.locator("#save-status")).to_have_text("Saved")


def own_annotation(world: World) -> Annotation:
    return Annotation.objects.get(document=world.document, author=world.user, kind="manual")


def highlight(page: Page, label: str, start: int):
    """The (first piece of the) highlight of ``label`` starting at ``start`` (code points)."""
    return page.locator(f'#document-text [data-label="{label}"][data-start="{start}"]').first
