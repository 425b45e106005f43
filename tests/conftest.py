import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run, so that a clean CI run
# passes or fails on the code alone; HYPOTHESIS_PROFILE=explore searches afresh.
settings.register_profile("reproducible", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))


@pytest.fixture(scope="session")
def shared_data_dir():
    """Path of ``../shared/data`` (the real benchmark files), or skip.

    The folder sits next to the repository on the developers' machines only;
    it holds files that cannot be shipped (HELOC, FICO licence) and the
    originals the shipped copies are checked against.
    """
    path = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(
            f"../shared/data is not present at {path} (it exists only on the "
            "developers' machines); this test needs the real benchmark files, "
            "e.g. HELOC, which cannot be shipped"
        )
    return path
