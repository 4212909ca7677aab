"""The modules of f2btune import each other without a circle, deferred (in-function) imports included."""
import ast
import os

from f2btune.paths import SOURCE_ROOT


def modules(root):
    """module name -> path of every module of the f2btune package under ``root``."""
    out = {}
    for dirpath, _, names in os.walk(os.path.join(root, "f2btune")):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                mod = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
                out[mod[:-len(".__init__")] if mod.endswith(".__init__") else mod] = path
    return out


def imports(mod, path, known):
    """The f2btune modules ``mod`` imports (``from pkg import sub`` names the submodule)."""
    package = mod if path.endswith("__init__.py") else mod.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read(), path)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for a in node.names:
                sub = base + "." + a.name
                if sub in known:
                    found.add(sub)
                elif base in known:
                    found.add(base)
    found.discard(mod)
    return found


def circles(graph):
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def graph_of(root):
    known = modules(root)
    return {mod: imports(mod, path, known) for mod, path in known.items()}


def test_f2btune_has_no_import_circle():
    graph = graph_of(SOURCE_ROOT)
    assert len(graph) > 50 and "f2btune.seed" in graph["f2btune.flood"]
    assert circles(graph) == []


def test_a_deferred_import_circle_is_found(tmp_path):
    pkg = tmp_path / "f2btune"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from f2btune.sub import b\n")
    (pkg / "sub" / "a.py").write_text("def f():\n    from . import b\n")
    (pkg / "sub" / "b.py").write_text("from f2btune.sub.a import f\n")
    (pkg / "c.py").write_text("import f2btune.sub.a\n")
    assert circles(graph_of(str(tmp_path))) == [["f2btune.sub.a", "f2btune.sub.b"]]
