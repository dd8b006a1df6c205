"""The fence (annotations/db/__init__.py): outside annotations.db, the database is the ORM's."""

import re
from pathlib import Path

import pytest

import annotations

APP = Path(annotations.__file__).parent
# Migrations are Django's own generated code; db/ is the fence itself.
OUTSIDE = sorted(
    path for path in APP.rglob("*.py") if path.relative_to(APP).parts[0] not in ("db", "migrations")
)
# A cursor, raw SQL, an SQL statement in a string, or Django's internal state set by hand:
# what only annotations.db may hold.
BEYOND_THE_ORM = re.compile(
    r"connection\.cursor|\bRawSQL\b|\.raw\(|\.extra\(|\b_meta\.db_table\b|cursor\.cursor"
    r"|_state\.\w+\s*=[^=]"
    r"|[\"'f](?:SELECT|INSERT|UPDATE|DELETE|WITH|SET) [A-Za-z*{]"
)


def test_the_fence_covers_the_whole_app():
    covered = {path.relative_to(APP).parts[0] for path in OUTSIDE}
    assert {"selectors", "services", "exports", "api", "admin", "views"} <= covered


@pytest.mark.parametrize("path", OUTSIDE, ids=lambda path: str(path.relative_to(APP)))
def test_code_outside_the_fence_reaches_the_database_through_the_orm_only(path):
    found = [
        f"{path.relative_to(APP)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if BEYOND_THE_ORM.search(line)
    ]
    assert found == [], "move these into annotations/db/:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        "with connection.cursor() as cursor:",
        'cursor.execute("SELECT id FROM annotations_span")',
        "instance._state.adding = False",
        'return RawSQL("SELECT 1", ())',
    ],
)
def test_the_fence_recognises_what_it_keeps_out(line):
    assert BEYOND_THE_ORM.search(line)


def test_the_fence_lets_the_orm_and_reads_of_django_state_through():
    for line in (
        "if self.pk is not None and not self._state.adding:",
        "Span.objects.select_for_update().filter(pk=pk)",
        '"Select the span first."',
    ):
        assert not BEYOND_THE_ORM.search(line)
