"""docs/fleet-architecture.svg is what tools/fleet_diagram.py draws (the picture has a source)."""
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def test_the_committed_picture_is_the_drawn_one(tmp_path):
    pytest.importorskip("matplotlib")
    out = str(tmp_path / "fleet.svg")
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "fleet_diagram.py"), out], check=True)
    with open(out) as f, open(os.path.join(ROOT, "docs", "fleet-architecture.svg")) as g:
        assert f.read() == g.read(), "re-run tools/fleet_diagram.py and commit docs/fleet-architecture.svg"
