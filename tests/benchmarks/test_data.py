"""The bundled benchmark data: the flood is reproducible with the documented command."""
import hashlib
import os

from tests.conftest import ROOT, run_cli

DATA = os.path.join(ROOT, "benchmarks", "data")


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_flood_small_regenerates_byte_for_byte(tmp_path):
    out = tmp_path / "flood-small.log"
    p = run_cli("flood", "-o", out, "--lines", 20000, env={"TZ": "UTC"})
    assert p.returncode == 0, p.stderr
    assert sha(str(out)) == sha(os.path.join(DATA, "flood-small.log"))


def test_psad_slice_is_documented():
    readme = open(os.path.join(DATA, "README.md")).read()
    assert "psad-syn-scan.log" in readme and "GPL-2.0" in readme
    with open(os.path.join(DATA, "psad-syn-scan.log")) as f:
        lines = f.read().splitlines()
    assert len(lines) == 500 and all(" SYN URGP=0 " in l for l in lines)
