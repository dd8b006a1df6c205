from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "samples"


@pytest.fixture
def samples() -> Path:
    """The shared sample inputs (../shared/samples beside the project)."""
    if not SAMPLES.is_dir():
        pytest.fail(
            f"The shared samples are missing: expected {SAMPLES}. "
            "Check out ../shared beside the project."
        )
    return SAMPLES


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The default PBKDF2 hasher costs up to a second per user on a busy machine; tests make
    # many users. Hashing itself is Django's, not ours to test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
