import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.corpus import Corpus, CorpusError, corpus_load, corpus_root

# The one place a test is set aside: what only PostgreSQL has (binary COPY, isolation levels,
# the planner, prepared statements, row locks between concurrent writers, our backend's
# health check) cannot run on SQLite. Every such test runs in the PostgreSQL pass, which
# `.ci/run` always makes; on SQLite it is reported as skipped with this reason, never hidden.
POSTGRESQL_ONLY = (
    "PostgreSQL's own behaviour: run it with DATABASE_URL=postgres://... (the PostgreSQL pass "
    "of .ci/run does)"
)


def pytest_collection_modifyitems(items):
    for item in items:
        # A test that reads the sample corpus is a corpus test: `-m corpus` selects exactly
        # those (.ci/run runs them again over the SAMPLES_DIR it is given).
        if "corpus" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.corpus)
        # Justified skip: these tests check what only PostgreSQL has (COPY, the planner,
        # isolation, prepared statements); the reason names how to run them, and .ci/run's
        # PostgreSQL pass runs every one of them. No feature is hidden: SQLite lacks them.
        if "postgresql" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason=POSTGRESQL_ONLY))


@pytest.fixture
def corpus() -> Corpus:
    """The sample inputs: tests/data, or the directory the SAMPLES_DIR variable names."""
    try:
        return corpus_load(corpus_root())
    except CorpusError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The default PBKDF2 hasher costs up to a second per user on a busy machine; tests make
    # many users. Hashing itself is Django's, not ours to test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """On PostgreSQL, the suite's connections commit without waiting for the disk.

    ``synchronous_commit=off`` changes nothing a test can see: what is committed is visible
    at once and in order, locks and isolation are the same; only a crash of the server could
    lose the last commits, and a test database is thrown away. A flushed commit costs 5-10 ms
    on a shared disk, and the suite makes tens of thousands (transactional tests, each one's
    flush, the live server behind the browser tests). Processes a test starts itself (gunicorn,
    db_worker) connect as production does.
    """
    database = django_settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        database.setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
