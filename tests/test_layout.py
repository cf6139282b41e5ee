"""The shape of the package (DESIGN.md): each layer imports only from the layers below it (or
its own), and no module grows past about 500 lines."""
import ast
import os

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "axon")

# module path prefix -> layer (DESIGN.md, "Layers of the package"); the longest prefix wins
LAYERS = {
    "axon.backend": 1, "axon.config": 1, "axon.io": 1, "axon.registry": 1, "axon.serialization": 1,
    "axon.tensor": 2, "axon.autograd": 2, "axon.hooks": 2, "axon.gradcheck": 2, "axon.debug": 2,
    "axon.profiler": 2, "axon.tracing": 2,
    "axon.ops": 3, "axon.random": 3,
    "axon.layers": 4, "axon.activations": 4, "axon.variables": 4, "axon.initializers": 4, "axon.regularizers": 4,
    "axon.data": 5,
    "axon.models": 6, "axon.optimizers": 6, "axon.losses": 6, "axon.metrics": 6, "axon.callbacks": 6,
    "axon.utils": 6, "axon.saving": 6, "axon.export": 6,
    "axon.zoo": 7, "axon.labs": 7, "axon.demos": 7, "axon.cli": 7, "axon.__main__": 7, "axon": 7,
}


def layer_of(module):
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len, default=None)
    if best is None:
        raise AssertionError(f"module {module} is in no layer of DESIGN.md: add it to LAYERS")
    return LAYERS[best]


def modules():
    for folder, _, files in os.walk(ROOT):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, os.path.join(ROOT, ".."))[:-3].replace(os.sep, ".")
                yield (rel[:-len(".__init__")] if rel.endswith(".__init__") else rel), path


def imports(module, path):
    """The axon modules ``module`` imports, at the top or inside functions."""
    package = module if path.endswith("__init__.py") else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] == "axon")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "axon":
                target = node.module
            else:
                continue
            if node.module:
                yield target
            for a in node.names:  # "from . import ops" imports the module axon.ops
                candidate = f"{target}.{a.name}"
                if any(candidate == m for m, _ in MODULES):
                    yield candidate


MODULES = list(modules())


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_no_upward_imports(module, path):
    mine = layer_of(module)
    if module == "axon":
        return  # the package root gathers every layer for its users
    upward = sorted({t for t in imports(module, path) if layer_of(t) > mine})
    assert not upward, f"{module} (layer {mine}) imports from higher layers: " + \
        ", ".join(f"{t} (layer {layer_of(t)})" for t in upward)


@pytest.mark.parametrize("module,path", MODULES, ids=[m for m, _ in MODULES])
def test_modules_stay_small(module, path):
    lines = sum(1 for _ in open(path, encoding="utf-8"))
    assert lines <= 520, f"{module} has {lines} lines; split it by idea (DESIGN.md: no module over ~500)"
