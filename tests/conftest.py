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
