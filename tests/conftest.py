import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.corpus import Corpus, CorpusError, corpus_load, corpus_root

# What only PostgreSQL has (binary COPY, isolation levels, the planner, prepared statements,
# row locks between concurrent writers, our backend's health check) cannot run on SQLite.
# Those tests are marked `postgresql`; on SQLite they are not collected, and the run says how
# many were left out and how to run them (the line below). Every one of them runs in the
# PostgreSQL pass, which `.ci/run` always makes.
POSTGRESQL_ONLY = (
    "PostgreSQL's own behaviour: run them with DATABASE_URL=postgres://... (the PostgreSQL "
    "pass of .ci/run does)"
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        # A test that reads the sample corpus is a corpus test: `-m corpus` selects exactly
        # those (.ci/run runs them again over the SAMPLES_DIR it is given).
        if "corpus" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.corpus)
    if connection.vendor == "postgresql":
        return
    left_out = [item for item in items if "postgresql" in item.keywords]
    if left_out:
        items[:] = [item for item in items if "postgresql" not in item.keywords]
        config.hook.pytest_deselected(items=left_out)
    config.stash[_POSTGRESQL_LEFT_OUT] = len(left_out)
    if hasattr(config, "workeroutput"):  # a pytest-xdist worker: tell the controller
        config.workeroutput["postgresql_left_out"] = len(left_out)


_POSTGRESQL_LEFT_OUT = pytest.StashKey[int]()


def pytest_testnodedown(node, error):
    # pytest-xdist: every worker collects the whole suite, so each reports the same count.
    count = getattr(node, "workeroutput", {}).get("postgresql_left_out")
    if count is not None:
        node.config.stash[_POSTGRESQL_LEFT_OUT] = count


def pytest_terminal_summary(terminalreporter, config):
    count = config.stash.get(_POSTGRESQL_LEFT_OUT, 0)
    if count:
        terminalreporter.write_line(
            f"{count} PostgreSQL-only tests not run here: {POSTGRESQL_ONLY}"
        )


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
