import pytest

from tests.corpus import Corpus, CorpusError, corpus_load, corpus_root


def pytest_collection_modifyitems(items):
    # A test that reads the sample corpus is a corpus test: `-m corpus` selects exactly those
    # (.ci/run runs them again over ../shared/samples).
    for item in items:
        if "corpus" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.corpus)


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
