"""Imports run one way: a module imports only from the layers below its own.

The layers are drawn in docs/architecture.md; `LAYERS` here is the same table,
and a test keeps the two alike. Within a layer, parts do not import each other,
so no two apps can ever lean on one another in a cycle.
"""

import ast
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Top to bottom. Each part is a module or a package of `ponte`.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("command", ("__main__",)),
    ("command line", ("cli",)),
    ("application", ("asgi", "urls", "settings", "demo")),
    ("interfaces", ("web", "api", "ops")),
    ("ingest", ("inbox",)),
    ("recall", ("marketing",)),
    ("features", ("privacy", "leads", "desk")),
    ("language", ("ai",)),
    ("core", ("conversations", "sessions", "erp")),
    ("engines", ("engines",)),
    ("log", ("diagnostics",)),
    ("files", ("media",)),
    ("foundations", ("accounts", "identity")),
    ("plumbing", ("background", "realtime", "db", "text", "errors", "bodycap", "proxies",
                  "personal_data")),
    ("between processes", ("nudges",)),
]
# Only the demo may load the emulators, and only inside the function that starts one.
EMULATOR_USERS = ("demo",)


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    importer: str
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} imports {self.imported} ({self.why})"


def _part_of(dotted: str) -> str:
    """`ponte.conversations.storing` -> `conversations`; `ponte.text` -> `text`."""
    return dotted.split(".")[1] if dotted.count(".") else ""


def _imports(tree: ast.Module, module: str) -> list[tuple[int, str, bool]]:
    """(line, imported module, at module level) for every import, however deep."""
    found = []
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.rsplit(".", node.level)[0]
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            found.append((node.lineno, name, id(node) in top))
    return found


def forbidden_imports(root: Path) -> list[Violation]:
    """Every import in the product code under `root/ponte` that breaks the layering."""
    rank = {part: index for index, (_, parts) in enumerate(LAYERS) for part in parts}
    violations = []
    for path in sorted((root / "ponte").rglob("*.py")):
        relative = path.relative_to(root)
        if path.name.startswith("test_") or path.name == "conftest.py" \
                or "migrations" in relative.parts:
            continue
        module = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        importer = _part_of(module)
        if importer and importer not in rank:
            violations.append(Violation(str(relative), 1, importer, module, "in no layer"))
            continue
        for line, name, at_top in _imports(ast.parse(path.read_text()), module):
            root_name = name.split(".")[0]
            if root_name == "emulators":
                if importer not in EMULATOR_USERS or at_top:
                    violations.append(Violation(str(relative), line, importer, name,
                                                "the product never loads the emulators"))
                continue
            if root_name != "ponte" or not importer:
                continue
            imported = _part_of(name)
            if not imported or imported == importer:
                continue
            if imported not in rank:
                violations.append(Violation(str(relative), line, importer, name,
                                            "imports a part in no layer"))
            elif rank[imported] == rank[importer]:
                violations.append(Violation(str(relative), line, importer, name,
                                            "same layer"))
            elif rank[imported] < rank[importer]:
                violations.append(Violation(str(relative), line, importer, name,
                                            "upward"))
    return violations


def test_imports_run_down_the_layers_only():
    assert [str(v) for v in forbidden_imports(REPO)] == []


@pytest.mark.parametrize(("module", "line", "why"), [
    ("ponte/conversations/storing.py", "from ponte.web import views", "upward"),
    ("ponte/sessions/services.py", "from ponte.conversations.models import Message", "same layer"),
    ("ponte/engines/calls.py", "from ponte.sessions import supervisor", "upward"),
    ("ponte/diagnostics/services.py", "import ponte.inbox.models", "upward"),
    ("ponte/engines/registry.py", "from emulators.wppconnect import Emulator",
     "the product never loads the emulators"),
    ("ponte/demo.py", "from emulators.wppconnect import Emulator",
     "the product never loads the emulators"),
])
def test_a_forbidden_import_is_caught(tmp_path, module, line, why):
    shutil.copytree(REPO / "ponte", tmp_path / "ponte",
                    ignore=shutil.ignore_patterns("__pycache__", "locale", "static", "templates"))
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n\ndef _added():\n    {line}\n"
                      if "demo" not in module else line + "\n" + target.read_text())
    found = forbidden_imports(tmp_path)
    assert [(v.path, v.why) for v in found] == [(module, why)]


@pytest.mark.parametrize("modules", ["ponte.engines, ponte.engines.calls", "ponte.ai.remote"])
def test_importing_the_engines_or_the_remote_models_loads_no_emulator(tmp_path, modules):
    probe = (f"import sys, {modules}\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'emulators'))")
    env = {"DJANGO_SETTINGS_MODULE": "ponte.settings", "PONTE_DATA_DIR": str(tmp_path)}
    shown = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + probe],
                           capture_output=True, text=True, cwd=REPO, env=env, check=True)
    assert shown.stdout.strip() == "[]"


def test_a_module_outside_every_layer_is_caught(tmp_path):
    (tmp_path / "ponte" / "misc").mkdir(parents=True)
    (tmp_path / "ponte" / "misc" / "helpers.py").write_text("X = 1\n")
    assert [v.why for v in forbidden_imports(tmp_path)] == ["in no layer"]


def test_the_architecture_doc_draws_the_same_layers():
    doc = (REPO / "docs" / "architecture.md").read_text()
    block = doc.split("<!-- layers -->", 2)[1]
    drawn = [(name.strip(), tuple(re.findall(r"`([\w.]+)`", parts)))
             for name, parts in re.findall(r"^\| ([a-z ]+) \|([^|\n]+)\|", block, re.M)
             if "`" in parts]
    assert drawn == LAYERS
