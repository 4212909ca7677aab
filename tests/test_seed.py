"""The seed regex and the LOG prefixes have one home, f2btune/seed.py: no other module spells them."""
import ast
import os

from f2btune import seed
from f2btune.paths import SOURCE_ROOT

CONSTANTS = {name: getattr(seed, name) for name in ("SEED_REGEX", "LOG_PREFIX", "BAN_LOG_PREFIX",
                                                      "VERIFIED_LOG_PREFIX")}
# the trees of Python code that ship or measure f2btune (tests write log lines with the prefixes)
TREES = ("f2btune", "benchmarks", "tools")


def python_files():
    for tree in TREES:
        for dirpath, _, names in os.walk(os.path.join(SOURCE_ROOT, tree)):
            for name in sorted(names):
                if name.endswith(".py"):
                    yield os.path.join(dirpath, name)


def spellings(path):
    """(line, what) for each string equal to a prefix, holding the seed regex, or each
    assignment to one of the constants' names."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for name, value in CONSTANTS.items():
                if node.value == value or (name == "SEED_REGEX" and value in node.value):
                    yield node.lineno, "%r (%s)" % (value, name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and t.id in CONSTANTS:
                    yield node.lineno, "defines %s" % t.id


def test_only_seed_py_spells_the_seed_constants():
    home = os.path.join(SOURCE_ROOT, "f2btune", "seed.py")
    found = ["%s:%d %s" % (os.path.relpath(p, SOURCE_ROOT), line, what)
             for p in python_files() if p != home for line, what in spellings(p)]
    assert found == [], "import these from f2btune.seed instead:\n" + "\n".join(found)


def test_the_check_sees_a_second_home(tmp_path):
    p = tmp_path / "twin.py"
    p.write_text('LOG_PREFIX = "x"\nA = %r\nhelp = "seed %s here"\n' % (seed.BAN_LOG_PREFIX, seed.SEED_REGEX))
    assert [line for line, _ in spellings(str(p))] == [1, 2, 3]
