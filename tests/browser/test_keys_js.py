"""keys.js, the keyboard map, in Chromium: the help overlay lists every key of it, and the keys
it reserves are the ones annotations/services/projects.py refuses as a label's shortcut."""

import pytest
from playwright.sync_api import Page, expect

from annotations.services import projects
from annotations.services.review import gold_for
from tests.browser.annotating import make_world, open_document
from tests.factories import LabelFactory, StanceTargetFactory

pytestmark = pytest.mark.django_db(transaction=True)

# The script is part of the evaluated source: the page's CSP forbids eval in it.
MAP_ROWS = """async (page) => {
  const m = await import('/static/annotations/keys.js');
  const caps = (entry) => m.keyCaps(entry).map((keys) => keys.join('+')).join(' ');
  return m.KEYMAP[page].map((entry) => [caps(entry), entry.help]);
}"""
HELP_ROWS = """() => [...document.querySelectorAll('#help dl.keys > div')].map(
  (row) => [row.querySelector('dt').textContent, row.querySelector('dd').textContent]
)"""


def test_reserved_keys_are_the_shortcuts_python_refuses(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    reserved = page.evaluate(
        "async () => (await import('/static/annotations/keys.js')).RESERVED_KEYS"
    )
    assert sorted(reserved) == sorted(projects.RESERVED_SHORTCUTS)


def _open(page: Page, live_server, world, name: str) -> Page:
    if name == "annotate":
        return open_document(page, live_server, world.document)
    world.project.memberships.filter(user=world.user).update(role="reviewer")
    gold_for(world.document)  # the targets (and their keys) are listed once there is gold
    page.goto(f"{live_server.url}/documents/{world.document.pk}/review/")
    expect(page.locator("#reviewer.ready")).to_be_attached()
    return page


@pytest.mark.parametrize("name", ["annotate", "review"])
def test_help_overlay_lists_every_key_of_the_page_map(live_server, sign_in, name):
    world = make_world()
    page = _open(sign_in(world.user), live_server, world, name)
    expected = page.evaluate(MAP_ROWS, name)
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    shown = page.evaluate(HELP_ROWS)
    assert len(expected) > 10  # the map was read, not an empty list
    for row in expected:
        assert row in shown, f"{row} is in KEYMAP.{name} but not in the help overlay"
    # The project's own keys come with them: each label's shortcut, each target's number.
    for label in world.labels.values():
        verb = "for the active target" if label.kind == "stance" else "label the selected text"
        row = [keys for keys, text in shown if label.name in text and verb in text]
        assert row == [label.shortcut], label.name
    assert ["1", f"Activate “{world.targets[0].name}”"] in shown
    assert ["2", f"Activate “{world.targets[1].name}”"] in shown


def test_help_overlay_shows_label_and_target_names_as_text(live_server, sign_in):
    world = make_world()
    LabelFactory(project=world.project, name="<b>TAG</b>", kind="entity", shortcut="g")
    StanceTargetFactory(project=world.project, name="<img src=x>")
    page = open_document(sign_in(world.user), live_server, world.document)
    page.keyboard.press("?")
    help_dialog = page.locator("#help")
    expect(help_dialog).to_contain_text("<b>TAG</b>: label the selected text")
    expect(help_dialog).to_contain_text("Activate “<img src=x>”")
    expect(help_dialog.locator("b, img")).to_have_count(0)
