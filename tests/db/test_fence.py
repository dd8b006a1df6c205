"""The fence (annotations/db/__init__.py): outside annotations.db, the database is the ORM's."""

import re
from pathlib import Path

import pytest

import annotations

APP = Path(annotations.__file__).parent
# The packages held to the contract so far; the rest of the app joins as it is fenced.
FENCED = ["selectors", "exports"]
# A cursor, raw SQL, or an SQL statement in a string: what only annotations.db may hold.
BEYOND_THE_ORM = re.compile(
    r"connection\.cursor|\bRawSQL\b|\.raw\(|\.extra\(|\b_meta\.db_table\b"
    r"|[\"'f](?:SELECT|INSERT|UPDATE|DELETE|WITH|SET) [A-Za-z*{]"
)


@pytest.mark.parametrize("package", FENCED)
def test_fenced_packages_reach_the_database_through_the_orm_only(package):
    found = [
        f"{path.relative_to(APP)}:{number}: {line.strip()}"
        for path in sorted((APP / package).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if BEYOND_THE_ORM.search(line)
    ]
    assert found == [], "move these into annotations/db/:\n" + "\n".join(found)
