"""Imports point down the layers of DESIGN.md: routes, API and jobs → the feature's domain module → models →
extensions, and the feature packages of alliance/ form no cycle.

Every import is read from the source (module level and inside functions), so a lazy import inside a function
cannot hide an edge. A failure names the file, the line and the import.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_PACKAGES = ("alliance", "workers")


@dataclass(frozen=True)
class Import:
    importer: str  # module doing the import, e.g. alliance.pledges.routes
    imported: str  # module imported, e.g. alliance.pledges.operations
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.importer} imports {self.imported}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _source_files() -> dict[str, Path]:
    return {_module_name(path): path for package in SOURCE_PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def project_imports() -> list[Import]:
    """Every import of a project module by a project module, anywhere in the file."""
    modules = _source_files()
    found = []
    for importer, path in modules.items():
        relative = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(), filename=relative)):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = _resolve(importer, path.name == "__init__.py", node)
                # `from alliance.statements import operations` imports the submodule, not the package
                targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module
                           for alias in node.names]
            else:
                continue
            found += [Import(importer, target, relative, node.lineno) for target in targets
                      if target.split(".")[0] in SOURCE_PACKAGES]
    return found


def package_of(module: str) -> str:
    """alliance.pledges.routes → alliance.pledges; top-level modules (alliance.formatting) are their own node."""
    return ".".join(module.split(".")[:2])


def _blueprint_packages() -> set[str]:
    """Packages whose __init__ holds the blueprint (`bp = Blueprint(...)`, microblog's pattern) and imports
    the route modules that register on it: such an __init__ is part of the web layer."""
    packages = set()
    for module, path in _source_files().items():
        if path.name == "__init__.py":
            for node in ast.parse(path.read_text()).body:
                if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                        and getattr(node.value.func, "id", None) == "Blueprint"):
                    packages.add(module)
    return packages


BLUEPRINT_PACKAGES = _blueprint_packages()


def is_web_layer(module: str) -> bool:
    """Routes, the API and the app's HTTP plumbing: the top layer, next to the jobs in workers/."""
    last = module.split(".")[-1]
    return (last == "routes" or last.endswith("_routes") or package_of(module) == "alliance.api"
            or module in BLUEPRINT_PACKAGES
            # web.py registers blueprints and error pages; request_guard.py installs the request hooks
            # and error handlers create_app() adds: both are HTTP plumbing, not domain code.
            or module in ("alliance.web", "alliance.request_guard"))


def is_entry_point(module: str) -> bool:
    """Modules that assemble the app or the command line, above every layer."""
    return module in ("alliance", "alliance.cli", "alliance.serve") or module.split(".")[-1] == "commands"


def test_no_cycle_between_packages():
    edges: dict[str, dict[str, Import]] = {}
    for found in project_imports():
        source, target = package_of(found.importer), package_of(found.imported)
        if source != target and source.startswith("alliance.") and target.startswith("alliance."):
            edges.setdefault(source, {}).setdefault(target, found)

    cycles = []
    state: dict[str, str] = {}

    def visit(package: str, trail: list[str]) -> None:
        state[package] = "open"
        for target in sorted(edges.get(package, {})):
            if state.get(target) == "open":
                loop = trail[trail.index(target):] + [package, target]
                cycles.append(" -> ".join(f"{a}->{b} ({edges[a][b]})" for a, b in zip(loop, loop[1:], strict=False)))
            elif target not in state:
                visit(target, trail + [package])
        state[package] = "done"

    for package in sorted(edges):
        if package not in state:
            visit(package, [])
    assert not cycles, "Import cycles between packages:\n" + "\n".join(cycles)


def test_models_and_extensions_import_no_feature_package():
    lowest = ("alliance.models", "alliance.extensions")
    wrong = [found for found in project_imports()
             if package_of(found.importer) in lowest and package_of(found.imported) not in lowest]
    assert not wrong, "models/extensions import a higher layer:\n" + "\n".join(map(str, wrong))


def test_domain_modules_import_no_routes_api_or_web_module():
    wrong = [found for found in project_imports()
             if not is_web_layer(found.importer) and not is_entry_point(found.importer)
             and is_web_layer(found.imported)]
    assert not wrong, "a domain module (or a job) imports the web layer:\n" + "\n".join(map(str, wrong))


def test_nothing_in_alliance_imports_workers():
    wrong = [found for found in project_imports()
             if found.importer.startswith("alliance") and found.imported.split(".")[0] == "workers"]
    assert not wrong, "alliance imports workers (jobs are named by dotted path only):\n" + "\n".join(map(str, wrong))


def test_the_walker_sees_function_level_imports():
    """The rules above are only as good as the walker: a lazy import inside a function must be seen."""
    found = {(i.importer, i.imported) for i in project_imports()}
    assert ("alliance.request_guard", "alliance.web") in found  # imported inside _database_refused_value
    assert ("alliance.cli", "alliance.signals.commands") in found  # imported inside register_cli


def _constants(module: str, modules: dict[str, Path]) -> dict[str, str]:
    """A module's module-level string constants, also those it imports by name from another project module."""
    values = {}
    for node in ast.parse(modules[module].read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            values.update({target.id: node.value.value for target in node.targets if isinstance(target, ast.Name)})
        elif isinstance(node, ast.ImportFrom) and node.module in modules and node.module != module:
            imported = _constants(node.module, modules)
            values.update({alias.asname or alias.name: imported[alias.name] for alias in node.names
                           if alias.name in imported})
    return values


def requested_job_paths() -> list[tuple[str, str]]:
    """(where, dotted path) of the job of every request_job(name, path, ...) call in alliance/."""
    modules = _source_files()
    found = []
    for module, path in modules.items():
        if not module.startswith("alliance"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "request_job":
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                argument = node.args[1]
                if isinstance(argument, ast.Constant):
                    found.append((where, argument.value))
                elif isinstance(argument, ast.Name):
                    found.append((where, _constants(module, modules).get(argument.id, f"<unresolved {argument.id}>")))
                else:
                    found.append((where, f"<not a constant: {ast.unparse(argument)}>"))
    return found


def test_every_requested_job_is_a_function_in_workers():
    import importlib
    import inspect

    from alliance.queue import RETRIED_FUNCS

    paths = requested_job_paths()
    assert len(paths) >= 10  # mail, notifications, organisations, pledge import, signals compile
    paths += [("alliance/queue.py RETRIED_FUNCS", dotted) for dotted in sorted(RETRIED_FUNCS)]
    wrong = []
    for where, dotted in paths:
        module_name, _, name = dotted.rpartition(".")
        try:
            job = getattr(importlib.import_module(module_name), name) if module_name.startswith("workers.") else None
        except (ImportError, AttributeError):
            job = None
        if not inspect.isfunction(job):
            wrong.append(f"{where} requests {dotted!r}, which is not a function in workers/")
    assert not wrong, "\n".join(wrong)
