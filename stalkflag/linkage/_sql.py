"""Splink's SQL conditions as Python functions, with DuckDB's string functions.

A comparison level's or blocking rule's condition, as a saved Splink model states it in
DuckDB's dialect, is parsed with sqlglot (the parser Splink itself uses) into a function of the
left and right rows with SQL's three-valued logic (``None`` for NULL). String functions follow
DuckDB's to the last bit: ``jaro_winkler_similarity`` is the rapidfuzz algorithm DuckDB ships
(on UTF-8 bytes, prefix weight 0.1, the Winkler boost as one fused multiply-add, as DuckDB's
build computes it) and ``damerau_levenshtein`` the unrestricted distance. Anything else raises
:class:`Unsupported`. Used by :mod:`._python`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from functools import lru_cache
from typing import Any

import pandas as pd
import sqlglot
from sqlglot import expressions as exp

__all__ = [
    "Condition", "Row", "Unsupported", "column", "condition", "damerau_levenshtein", "flatten",
    "is_null", "jaro_winkler", "parse",
]  # fmt: skip

Row = Mapping[str, Any]
Condition = Callable[[Row, Row], Any]


class Unsupported(ValueError):
    """A condition this module cannot evaluate exactly as DuckDB does."""


# -- DuckDB's string functions ---------------------------------------------------------------


@lru_cache(maxsize=65_536)
def jaro_winkler(a: str, b: str) -> float:
    """DuckDB's ``jaro_winkler_similarity(a, b)`` (its bundled rapidfuzz code, on UTF-8
    bytes, prefix weight 0.1, no cut-off, the Winkler boost as one fused multiply-add)."""
    p, t = a.encode(), b.encode()
    prefix = 0
    for x, y in zip(p[:4], t[:4], strict=False):
        if x != y:
            break
        prefix += 1
    sim = _jaro(p, t)
    if sim > 0.7 and prefix:
        # DuckDB's build fuses this multiply-add (one rounding): the same to the last bit.
        sim = float(Fraction(prefix * 0.1) * Fraction(1.0 - sim) + Fraction(sim))
    return sim


def _jaro(p: bytes, t: bytes) -> float:
    p_len, t_len = len(p), len(t)
    if not p_len or not t_len:
        return 0.0
    if p_len == 1 and t_len == 1:
        return float(p[0] == t[0])
    bound = (max(p_len, t_len) // 2) - 1
    if t_len > p_len and t_len > p_len + bound:
        t = t[: p_len + bound]
    elif t_len <= p_len and p_len > t_len + bound:
        p = p[: t_len + bound]
    common = 0
    while common < min(len(p), len(t)) and p[common] == t[common]:
        common += 1
    p, t = p[common:], t[common:]
    flagged_p = [False] * len(p)
    flagged_t: list[int] = []
    for j, char in enumerate(t):
        for i in range(max(0, j - bound), min(len(p), j + bound + 1)):
            if not flagged_p[i] and p[i] == char:
                flagged_p[i] = True
                flagged_t.append(j)
                break
    matched = len(flagged_t)
    common += matched
    if not common:
        return 0.0
    p_matched = [i for i, f in enumerate(flagged_p) if f]
    transpositions = sum(p[i] != t[j] for i, j in zip(p_matched, flagged_t, strict=True)) // 2
    sim = 0.0
    sim += common / p_len
    sim += common / t_len
    sim += (common - transpositions) / common
    return sim / 3.0


@lru_cache(maxsize=65_536)
def damerau_levenshtein(a: str, b: str) -> int:
    """DuckDB's ``damerau_levenshtein(a, b)``: the unrestricted Damerau-Levenshtein distance
    (insertions, deletions, substitutions and transpositions of adjacent characters) on UTF-8
    bytes."""
    s, t = a.encode(), b.encode()
    n, m = len(s), len(t)
    big = n + m
    last_row: dict[int, int] = {}
    d = [[0] * (m + 2) for _ in range(n + 2)]
    d[0][0] = big
    for i in range(n + 1):
        d[i + 1][0], d[i + 1][1] = big, i
    for j in range(m + 1):
        d[0][j + 1], d[1][j + 1] = big, j
    for i in range(1, n + 1):
        last_col = 0
        for j in range(1, m + 1):
            k, cost = last_row.get(t[j - 1], 0), int(s[i - 1] != t[j - 1])
            l_ = last_col
            if not cost:
                last_col = j
            d[i + 1][j + 1] = min(
                d[i][j] + cost,
                d[i + 1][j] + 1,
                d[i][j + 1] + 1,
                d[k][l_] + (i - k - 1) + 1 + (j - l_ - 1),
            )
        last_row[s[i - 1]] = i
    return d[n + 1][m + 1]


# -- SQL conditions as Python functions ------------------------------------------------------


def is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def column(node: Any) -> tuple[str, str]:
    """(side, column) of ``l.x``, ``r.x``, ``x_l`` or ``x_r``."""
    name, table = node.name, node.table
    if table in ("l", "r"):
        return table, name
    if not table and name.endswith(("_l", "_r")):
        return name[-1], name[:-2]
    raise Unsupported(f"column {node.sql()}")


def _compare(op: Callable[[Any, Any], bool], a: Condition, b: Condition) -> Condition:
    def f(left: Row, right: Row) -> Any:
        x, y = a(left, right), b(left, right)
        return None if is_null(x) or is_null(y) else op(x, y)

    return f


def _function(fn: Callable[..., Any], *args: Condition) -> Condition:
    def f(left: Row, right: Row) -> Any:
        values = [a(left, right) for a in args]
        return None if any(is_null(v) for v in values) else fn(*values)

    return f


def _and(parts: list[Condition]) -> Condition:
    def f(left: Row, right: Row) -> Any:
        unknown = False
        for part in parts:
            value = part(left, right)
            if is_null(value):
                unknown = True
            elif not value:
                return False
        return None if unknown else True

    return f


def _or(parts: list[Condition]) -> Condition:
    def f(left: Row, right: Row) -> Any:
        unknown = False
        for part in parts:
            value = part(left, right)
            if is_null(value):
                unknown = True
            elif value:
                return True
        return None if unknown else False

    return f


def _substring(value: str, start: int, length: int | None = None) -> str:
    if start < 1:
        raise Unsupported("SUBSTRING from a position before 1")
    return value[start - 1 :] if length is None else value[start - 1 : start - 1 + length]


def _intersect(a, b) -> list:
    return list(set(a) & set(b))


_COMPARISONS: dict[type, Callable[[Any, Any], bool]] = {
    exp.EQ: lambda x, y: x == y,
    exp.NEQ: lambda x, y: x != y,
    exp.GTE: lambda x, y: x >= y,
    exp.GT: lambda x, y: x > y,
    exp.LTE: lambda x, y: x <= y,
    exp.LT: lambda x, y: x < y,
}
_ANONYMOUS: dict[str, Callable[..., Any]] = {
    "damerau_levenshtein": damerau_levenshtein,
    "list_intersect": _intersect,
}


def flatten(node: Any, kind: Any) -> list[Any]:
    """The operands of a chain of ``kind`` (``a AND b AND c``)."""
    if type(node) is kind:
        return flatten(node.this, kind) + flatten(node.expression, kind)
    return [node]


def condition(node: Any) -> Condition:
    """A Python function of the left and right rows giving the SQL expression's value (``None``
    for NULL)."""
    if isinstance(node, exp.Paren):
        return condition(node.this)
    if isinstance(node, exp.Column):
        side, name = column(node)
        return (lambda left, right: left[name]) if side == "l" else (lambda l_, r_: r_[name])
    if isinstance(node, exp.Literal):
        text = node.this
        value: Any = text if node.is_string else (float(text) if "." in text else int(text))
        return lambda left, right: value
    if isinstance(node, exp.Null):
        return lambda left, right: None
    if isinstance(node, exp.And):
        return _and([condition(p) for p in flatten(node, exp.And)])
    if isinstance(node, exp.Or):
        return _or([condition(p) for p in flatten(node, exp.Or)])
    if isinstance(node, exp.Not):
        inner = condition(node.this)
        return lambda left, right: None if is_null(v := inner(left, right)) else not v
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        inner = condition(node.this)
        return lambda left, right: is_null(inner(left, right))
    if type(node) in _COMPARISONS:
        return _compare(_COMPARISONS[type(node)], condition(node.this), condition(node.expression))
    if isinstance(node, exp.Sub):
        return _function(lambda x, y: x - y, condition(node.this), condition(node.expression))
    if isinstance(node, exp.Abs):
        return _function(abs, condition(node.this))
    if isinstance(node, exp.Length):
        return _function(len, condition(node.this))
    if isinstance(node, exp.Substring):
        args = [node.this, node.args["start"]] + (
            [node.args["length"]] if node.args.get("length") else []
        )
        return _function(_substring, *(condition(a) for a in args))
    if isinstance(node, exp.Cast) and node.to.this in (
        exp.DataType.Type.INT,
        exp.DataType.Type.BIGINT,
    ):
        return _function(lambda v: int(str(v).strip()), condition(node.this))
    if isinstance(node, exp.JarowinklerSimilarity):
        return _function(jaro_winkler, condition(node.this), condition(node.expression))
    if isinstance(node, exp.ArraySize):
        return _function(len, condition(node.this))
    if isinstance(node, exp.Anonymous) and node.name.lower() in _ANONYMOUS:
        return _function(_ANONYMOUS[node.name.lower()], *(condition(a) for a in node.expressions))
    raise Unsupported(f"SQL {node.sql(dialect='duckdb')!r}")


def parse(sql: str) -> Condition:
    """:func:`condition` of a SQL text in DuckDB's dialect."""
    return condition(sqlglot.parse_one(sql, read="duckdb"))
