"""Scripts outside the package use only stalkflag's public names (issue 22, item 3).

Every ``experiments/*.py`` and ``pipelines/*.py`` is parsed (not run): importing a private
stalkflag module or name (any part starting with ``_``: ``stalkflag.model._chain``,
``from stalkflag.synth import _generator``) fails, and so does reaching into a private
attribute (``chain._fit_note_model``, ``_generator.plan``). What a script needs goes through
:mod:`stalkflag.api` or a package's ``__init__``. Tests may test internals; they are not checked.
"""

from __future__ import annotations

import ast

import pytest

from tests.conftest import PROJECT

SCRIPTS = sorted(
    path.relative_to(PROJECT).as_posix()
    for folder in ("experiments", "pipelines")
    for path in (PROJECT / folder).glob("*.py")
)

# Scripts still to move to public names: none since issue 22 (the scripts that fitted the old
# chain's research options retired with them, decision 0010). Keep it empty; the test fails when a listed
# script no longer needs its place, so the list can only shrink.
ALLOWED: set[str] = set()


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(source: str) -> list[str]:
    """Each private stalkflag import, and each private attribute reached, as ``line: what``.

    spaCy's extension namespace (``token._``) is not private.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] != "stalkflag":
                continue
            names = [alias.name for alias in node.names]
            if any(_private(p) for p in parts) or any(_private(n) for n in names):
                found.append(f"{node.lineno}: from {node.module} import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "stalkflag" and any(_private(p) for p in parts):
                    found.append(f"{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.Attribute) and _private(node.attr) and node.attr != "_":
            found.append(f"{node.lineno}: .{node.attr}")
    return found


def test_the_check_finds_each_kind_of_private_use():
    source = """
import stalkflag.model._chain
from stalkflag.model._chain import ScoringChain
from stalkflag.synth import SynthConfig, _generator
from stalkflag import api
from stalkflag.model import ScoringChain, split_groups
from _report import emit
from model_comparison import _view
chain._fit_note_model(x)
token._.negated
frame.__class__
"""
    assert [use.split(":")[0] for use in private_uses(source)] == ["2", "3", "4", "9"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_uses_only_public_names(script):
    uses = private_uses((PROJECT / script).read_text(encoding="utf-8"))
    if script in ALLOWED:
        assert uses, f"{script} uses only public names now: take it off ALLOWED"
        return
    assert not uses, f"{script} uses private stalkflag names:\n" + "\n".join(uses)


def test_every_allowed_script_exists():
    assert set(SCRIPTS) >= ALLOWED, sorted(ALLOWED - set(SCRIPTS))
