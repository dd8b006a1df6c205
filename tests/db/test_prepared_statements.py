"""DATABASE_PREPARED_STATEMENTS=0 leaves nothing prepared on the server, hot path included.

Behind a pooler in transaction mode (PgBouncer before 1.21) a statement prepared on one
server connection is unknown on the next, so "off" must mean off everywhere: these tests
start a real process with the setting, run the hand-written hot-path reads and the ORM, and
ask PostgreSQL what that session holds prepared.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

pytestmark = pytest.mark.postgresql  # prepared statements

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import django
django.setup()
from django.db import connection
from annotations import selectors
from annotations.models import Project
selectors.token_get(key="0" * 40)  # the hand-written hot path (db/hotpath.py)
selectors.annotation_lock(annotation_id=1)
list(Project.objects.all()[:1])  # and the ORM
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM pg_prepared_statements")
    print(cursor.fetchone()[0])
"""


def _prepared_in_a_process(setting: str | None) -> int:
    db = connection.settings_dict
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{quote(db['USER'] or '')}@{host}{port}/{db['NAME']}",
    }
    env.pop("DATABASE_PREPARED_STATEMENTS", None)
    if setting is not None:
        env["DATABASE_PREPARED_STATEMENTS"] = setting
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


@pytest.mark.django_db(transaction=True)
def test_with_prepared_statements_off_nothing_is_prepared_on_the_server():
    assert _prepared_in_a_process("0") == 0


@pytest.mark.django_db(transaction=True)
def test_by_default_the_hot_path_reads_are_prepared_once_per_connection():
    # The two hot-path statements; the ORM's query binds on the client and is not prepared.
    assert _prepared_in_a_process(None) == 2
