"""The layering rules of DESIGN.md, checked on the source: autograd/, nn/ and optim/ reach arrays
only through a tensor's backend (no numpy/cupy imports), and nothing imports upward."""
import ast
from pathlib import Path

import pytest

import xpgrad

ROOT = Path(xpgrad.__file__).resolve().parent
ARRAY_FREE = ("autograd", "nn", "optim")
FORBIDDEN_MODULES = ("numpy", "cupy", "cupyx", "array_api_strict")

# what each layer may import from inside the package (DESIGN.md "Dependency direction")
LOWER = {
    "backends": {"backends", "dtypes"},
    "autograd": {"autograd", "backends", "dtypes"},
    "distributed": {"distributed", "autograd", "backends", "dtypes"},
    "nn": {"nn", "distributed", "autograd", "backends", "dtypes"},
    "optim": {"optim", "distributed", "autograd", "backends", "dtypes"},
}


def _sources(package):
    folder = ROOT / package
    return sorted(folder.rglob("*.py")) if folder.is_dir() else []


def _imports(path, root=ROOT):
    """(absolute module name, line) for every import in the file, relative ones resolved
    against the package layout (the repository root is the package ``xpgrad``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    parts = ["xpgrad", *path.relative_to(root).with_suffix("").parts]
    parts = parts[:-1]                        # the package holding the module (or __init__)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[:len(parts) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, node.lineno))
            if not node.module:               # `from . import x`: x may itself be a module
                found += [(f"{module}.{alias.name}", node.lineno) for alias in node.names]
        elif isinstance(node, ast.Call):      # importlib.import_module("numpy"), __import__
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("import_module", "__import__") and node.args and \
                    isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.append((node.args[0].value, node.lineno))
    return found


def test_the_scan_sees_the_packages():
    files = _sources("autograd")
    assert len(files) >= 10
    assert any(m == "xpgrad.autograd.tensor" for m, _ in _imports(ROOT / "autograd" / "function.py"))


@pytest.mark.parametrize("package", ARRAY_FREE)
def test_no_numpy_or_cupy_imports(package):
    files = _sources(package)
    if not files:
        pytest.skip(f"{package}/ does not exist yet")
    bad = [f"{path.relative_to(ROOT)}:{line} imports {module}"
           for path in files for module, line in _imports(path)
           if module.split(".")[0] in FORBIDDEN_MODULES]
    assert not bad, "arrays must come from the tensor's backend:\n" + "\n".join(bad)


@pytest.mark.parametrize("package", sorted(LOWER))
def test_nothing_imports_upward(package):
    files = _sources(package)
    if not files:
        pytest.skip(f"{package}/ does not exist yet")
    allowed = LOWER[package]
    bad = []
    for path in files:
        for module, line in _imports(path):
            parts = module.split(".")
            if parts[0] != "xpgrad":
                continue
            if len(parts) == 1 or parts[1] not in allowed:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not bad, f"{package}/ may import only {sorted(allowed)}:\n" + "\n".join(bad)


def test_scan_catches_forbidden_imports(tmp_path):
    fake = tmp_path / "autograd" / "ops"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text("import os\nimport numpy as np\nfrom ...nn import Module\n"
                                 "from .. import tensor\n"
                                 "def f():\n    import importlib\n"
                                 "    return importlib.import_module('cupy')\n")
    found = _imports(fake / "bad.py", root=tmp_path)
    assert ("numpy", 2) in found and ("xpgrad.nn", 3) in found and ("cupy", 7) in found
    assert ("xpgrad.autograd.tensor", 4) in found
