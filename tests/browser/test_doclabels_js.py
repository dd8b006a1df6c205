"""doclabels.js, run in Chromium, chooses document labels as annotations/doclabels.py does."""

from itertools import product

import pytest

from annotations import doclabels

pytestmark = pytest.mark.django_db(transaction=True)

# Labels 1-3 in single-choice group 10, labels 4-6 in multi-choice group 20.
GROUPS = {
    10: doclabels.Group(key=10, name="Topic", multiple=False, required=True),
    20: doclabels.Group(key=20, name="Tags", multiple=True, required=False),
}
GROUP_OF = {label: GROUPS[10 if label <= 3 else 20] for label in range(1, 7)}
CHOSEN = [[], [1], [2, 4], [4, 5], [3, 4, 6], [5, 1]]


@pytest.fixture
def doclabels_js(live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")

    def call(script: str, *args):
        # The script is part of the evaluated source: the page's CSP forbids eval in it.
        source = (
            "async (args) => {"
            "  const m = await import('/static/annotations/doclabels.js');"
            "  const groups = {10: {id: 10, multiple: false}, 20: {id: 20, multiple: true}};"
            "  const groupOf = (id) => groups[id <= 3 ? 10 : 20];"
            f"  {script}"
            "}"
        )
        return page.evaluate(source, list(args))

    return call


def test_choose_label_toggles_and_replaces_in_single_choice_groups_as_python_does(doclabels_js):
    cases = list(product(CHOSEN, range(1, 7)))
    answers = doclabels_js(
        "return args[0].map(([chosen, label]) => m.chooseLabel(chosen, label, groupOf));", cases
    )
    expected = [doclabels.choose(chosen, label, GROUP_OF) for chosen, label in cases]
    assert answers == expected
    # What the cases cover: a toggle off, a replacement in Topic, an addition in Tags.
    assert doclabels.choose([2, 4], 2, GROUP_OF) == [4]
    assert doclabels.choose([2, 4], 1, GROUP_OF) == [4, 1]
    assert doclabels.choose([2, 4], 5, GROUP_OF) == [2, 4, 5]
