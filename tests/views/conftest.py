import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from bundle_factory import make_bundle


@pytest.fixture
def outputs(tmp_path):
    make_bundle(tmp_path)
    return tmp_path
