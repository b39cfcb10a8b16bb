"""docs/ARCHITECTURE.md against the code: every name it writes exists, and every hook, task, beat entry and outbox
message the code registers is written there. A change that adds or renames one fails here until the page follows."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from wagtail import hooks

from lms.celery import app as celery_app
from lms.outbox import handler_get

ROOT = Path(__file__).resolve().parents[2]
DOC = re.sub(r"^```.*?^```$", "", (ROOT / "docs" / "ARCHITECTURE.md").read_text(), flags=re.MULTILINE | re.DOTALL)
APPS = (
    "lms",
    "media",
    "content",
    "progress",
    "assessments",
    "badges",
    "organizations",
    "commerce",
    "frontend",
    "integrations",
)
CODE = (*APPS, "bench")
TICKED = re.compile(r"`([^`\n]+)`")


def section(title: str) -> str:
    """The text under the heading `title` (any level), up to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(title)}\n", DOC, re.MULTILINE)
    assert match, f"ARCHITECTURE.md has no section {title!r}"
    level = len(match.group(1))
    rest = DOC[match.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def rows(text: str) -> list[list[str]]:
    """The body rows of every table in `text`, as lists of cells (header and rule rows left out)."""
    out, header_next = [], True
    for line in text.splitlines():
        if not line.startswith("|"):
            header_next = True
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header_next:
            header_next = False  # the header row
        elif not set(line) <= set("|-: "):
            out.append(cells)
    return out


def ticked(cell: str) -> list[str]:
    return TICKED.findall(cell)


def first_names(title: str) -> list[str]:
    return [name for cells in rows(section(title)) for name in ticked(cells[0])]


def product_sources() -> list[Path]:
    return [path for top in CODE for path in (ROOT / top).rglob("*.py") if "migrations" not in path.parts]


def resolve(dotted: str) -> Any:
    """The object a dotted name names: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise LookupError(dotted)


def exported(module: ModuleType, name: str) -> bool:
    """`name` is offered by `module`, or by one of its modules when it is a package split by use case."""
    if hasattr(module, name):
        return True
    for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
        if hasattr(importlib.import_module(f"{module.__name__}.{info.name}"), name):
            return True
    return False


# --- hooks ------------------------------------------------------------------------------------------------------


def registered_hooks() -> dict[str, set[str]]:
    """Each hook name the project's apps register, with the modules that register it."""
    hooks.search_for_hooks()
    out: dict[str, set[str]] = {}
    for name, entries in hooks._hooks.items():
        for fn, _order in entries:
            if fn.__module__.split(".")[0] in CODE:
                out.setdefault(name, set()).add(fn.__module__)
    return out


def test_every_hook_in_the_doc_is_registered_by_an_app():
    registered = registered_hooks()
    documented = first_names("Wagtail hooks")
    assert documented
    assert [name for name in documented if name not in registered] == []


def test_every_hook_an_app_registers_is_in_the_doc():
    documented = set(first_names("Wagtail hooks"))
    assert sorted(set(registered_hooks()) - documented) == []


def test_every_hook_the_doc_says_stackable_offers_is_called_with_get_hooks():
    offered = first_names("Hooks Stackable offers (string-named)")
    assert offered
    sources = [path.read_text() for path in product_sources()]
    constants = {}  # HOOK = "stackable_page_context": the name a caller passes
    for text in sources:
        constants.update(re.findall(r'^(\w+) = "(stackable_\w+)"$', text, re.MULTILINE))
    called = {argument for text in sources for argument in re.findall(r"get_hooks\(([^)]+)\)", text)}
    for name in offered:
        spellings = {f'"{name}"'} | {constant for constant, value in constants.items() if value == name}
        assert spellings & called, f"nothing calls get_hooks({name!r})"


def test_every_string_named_hook_an_app_registers_is_offered_in_the_doc():
    offered = set(first_names("Hooks Stackable offers (string-named)"))
    ours = {name for name in registered_hooks() if name.startswith("stackable_")}
    assert ours
    assert sorted(ours - offered) == []


# --- tasks and beat -----------------------------------------------------------------------------------------------


def tasks_in_code() -> set[str]:
    """`module.function` of every function decorated with Celery's `shared_task`."""
    found = set()
    for path in product_sources():
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if isinstance(target, ast.Name) and target.id == "shared_task":
                        found.add(f"{module}.{node.name}")
    return found


def test_every_task_in_the_doc_is_a_celery_task():
    documented = first_names("Celery tasks")
    assert documented
    for name in documented:
        task = resolve(name)
        assert callable(getattr(task, "delay", None)), f"{name} is not a Celery task"


def test_every_task_in_the_code_is_in_the_doc():
    assert tasks_in_code()
    assert sorted(tasks_in_code() - set(first_names("Celery tasks"))) == []


def beat_in_doc() -> dict[str, str]:
    return {ticked(cells[0])[0]: ticked(cells[1])[0] for cells in rows(section("Beat schedule"))}


def beat_in_code() -> dict[str, str]:
    """The schedule beat reads (settings and every app's tasks), and the settings' conditional entries."""
    celery_app.loader.import_default_modules()
    entries = {name: entry["task"] for name, entry in celery_app.conf.beat_schedule.items()}
    settings_source = (ROOT / "lms" / "settings" / "base.py").read_text()
    conditional = r'CELERY_BEAT_SCHEDULE\["([^"]+)"\]\s*=\s*\{\s*"task":\s*"([^"]+)"'
    entries.update(dict(re.findall(conditional, settings_source)))
    return entries


def test_the_beat_schedule_in_the_doc_is_the_one_in_the_code():
    in_code = beat_in_code()
    assert {"lms-outbox-redeliver", "assessments.close-expired"} <= set(in_code)
    assert beat_in_doc() == in_code


# --- outbox -------------------------------------------------------------------------------------------------------


def outbox_kinds_in_code() -> set[str]:
    pattern = re.compile(r'@outbox_handler\(\s*"([^"]+)"')
    return {kind for path in product_sources() for kind in pattern.findall(path.read_text())}


def test_the_outbox_messages_in_the_doc_are_the_registered_ones_with_their_handlers():
    table = rows(section("Outbox messages"))
    documented = {ticked(cells[0])[0]: ticked(cells[3])[0] for cells in table}
    assert set(documented) == outbox_kinds_in_code()
    for kind, handler_name in documented.items():
        function = handler_get(kind).function
        assert f"{function.__module__}.{function.__name__}" == handler_name, kind


# --- names ----------------------------------------------------------------------------------------------------------


def test_every_public_service_and_selector_named_exists():
    public = section("Public services and selectors")
    checked = 0
    for app in re.findall(r"^### (\w+)$", public, re.MULTILINE):
        if app not in APPS:
            continue
        for cells in rows(section(app)):
            kind = cells[0].split(",")[0]
            assert kind in ("services", "selectors"), cells[0]
            module = importlib.import_module(f"{app}.{kind}")
            for name in ticked(cells[1]):
                assert exported(module, name), f"{app}.{kind} has no {name}"
                checked += 1
    assert checked > 100


def cross_app_imports() -> set[tuple[str, str, str]]:
    """(app, services|selectors, name) of every public name another app, or the bench, imports."""
    found = set()
    for path in product_sources():
        importer = path.relative_to(ROOT).parts[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.count(".") == 1:
                app, kind = node.module.split(".")
                if app in APPS and app != importer and kind in ("services", "selectors"):
                    found |= {(app, kind, alias.name) for alias in node.names if not alias.name.startswith("_")}
    return {(app, kind, name) for app, kind, name in found if not is_module(f"{app}.{kind}.{name}")}


def is_module(dotted: str) -> bool:
    """A module of a package split by use case (`from badges.services import issuers`), not a name it offers."""
    try:
        return importlib.util.find_spec(dotted) is not None
    except ModuleNotFoundError:  # its parent is a module, not a package
        return False


def test_every_name_other_apps_import_from_services_and_selectors_is_in_the_doc():
    documented = {
        (app, cells[0].split(",")[0], name)
        for app in re.findall(r"^### (\w+)$", section("Public services and selectors"), re.MULTILINE)
        if app in APPS
        for cells in rows(section(app))
        for name in ticked(cells[1])
    }
    imports = cross_app_imports()
    assert ("progress", "services", "enrolment_create") in imports
    assert sorted(imports - documented) == []


def test_every_name_of_the_other_modules_exists():
    table = rows(section("Other modules that other apps import"))
    assert table
    for cells in table:
        module = importlib.import_module(ticked(cells[0])[0])
        for name in ticked(cells[1]):
            assert hasattr(module, name), f"{module.__name__} has no {name}"


def dotted_names() -> set[str]:
    """Every ticked name of the form `<app>.<more>` on the page, outbox message kinds and hook names left out."""
    kinds = outbox_kinds_in_code()
    names = set()
    for token in TICKED.findall(DOC):
        if re.fullmatch(rf"({'|'.join(CODE)})(\.\w+)+", token) and token not in kinds:
            names.add(token)
    return names


@pytest.mark.parametrize("dotted", sorted(dotted_names()))
def test_every_dotted_name_resolves(dotted):
    resolve(dotted)
