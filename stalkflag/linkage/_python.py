"""A saved Splink model's predictions computed in Python, for a few hundred mentions (the API).

Splink builds SQL and a backend runs it; for an export that costs little per mention, but each
run also parses its settings and plans its SQL (a few hundred milliseconds), which a request
scoring one incident with its history cannot afford. This module evaluates the *same* SQL in
Python: each comparison level's and blocking rule's condition, as the model states it, is
parsed once (sqlglot, as Splink parses it) into a Python function with SQL's three-valued
logic, and the match weights, term-frequency adjustments and probabilities are Splink's own
numbers (read from Splink's settings object) combined in the order of Splink's SQL. Pairs are
those the blocking rules find, ``l.unique_id < r.unique_id``, term frequencies are counted in
the frame given (as Splink counts them in the table it is given), and pairs below the
prediction threshold are dropped, so the edges are those of the DuckDB run
(``tests/test_api_scoring.py`` checks clusters, confidences and every edge on random frames).

String functions follow DuckDB's: ``jaro_winkler_similarity`` is the rapidfuzz algorithm DuckDB
ships (bytes, a prefix weight of 0.1, the boost above 0.7) and ``damerau_levenshtein`` the
unrestricted distance. A condition using anything else raises :class:`Unsupported`, and the
caller links with DuckDB instead.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import sqlglot
from sqlglot import expressions as exp

__all__ = ["Unsupported", "compile_model", "damerau_levenshtein", "jaro_winkler", "predict"]

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


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _column(node: Any) -> tuple[str, str]:
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
        return None if _is_null(x) or _is_null(y) else op(x, y)

    return f


def _function(fn: Callable[..., Any], *args: Condition) -> Condition:
    def f(left: Row, right: Row) -> Any:
        values = [a(left, right) for a in args]
        return None if any(_is_null(v) for v in values) else fn(*values)

    return f


def _and(parts: list[Condition]) -> Condition:
    def f(left: Row, right: Row) -> Any:
        unknown = False
        for part in parts:
            value = part(left, right)
            if _is_null(value):
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
            if _is_null(value):
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


def _flatten(node: Any, kind: Any) -> list[Any]:
    """The operands of a chain of ``kind`` (``a AND b AND c``)."""
    if type(node) is kind:
        return _flatten(node.this, kind) + _flatten(node.expression, kind)
    return [node]


def condition(node: Any) -> Condition:
    """A Python function of the left and right rows giving the SQL expression's value (``None``
    for NULL)."""
    if isinstance(node, exp.Paren):
        return condition(node.this)
    if isinstance(node, exp.Column):
        side, name = _column(node)
        return (lambda left, right: left[name]) if side == "l" else (lambda l_, r_: r_[name])
    if isinstance(node, exp.Literal):
        text = node.this
        value: Any = text if node.is_string else (float(text) if "." in text else int(text))
        return lambda left, right: value
    if isinstance(node, exp.Null):
        return lambda left, right: None
    if isinstance(node, exp.And):
        return _and([condition(p) for p in _flatten(node, exp.And)])
    if isinstance(node, exp.Or):
        return _or([condition(p) for p in _flatten(node, exp.Or)])
    if isinstance(node, exp.Not):
        inner = condition(node.this)
        return lambda left, right: None if _is_null(v := inner(left, right)) else not v
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        inner = condition(node.this)
        return lambda left, right: _is_null(inner(left, right))
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


# -- the model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Level:
    value: int
    test: Condition | None  # None: the ELSE level
    weight: float  # the level's match weight as Splink writes it into its SQL
    tf: tuple[str, float, float, float] | None  # column, weight, log2 u of exact match, min u


@dataclass(frozen=True, eq=False)
class _Comparison:
    name: str
    gamma: str
    mw: str
    mw_tf: str | None
    levels: tuple[_Level, ...]
    columns: tuple[str, ...]  # the columns its conditions read

    def level(self, left: Row, right: Row) -> _Level:
        """The first level whose condition is true (SQL's ``CASE WHEN``)."""
        key = tuple(left[c] for c in self.columns), tuple(right[c] for c in self.columns)
        return self._level(key)

    def _level(self, key: tuple[tuple, tuple]) -> _Level:
        # Names repeat from one pair and one request to the next: each pair of values is
        # compared once (the memo is bounded).
        found = _MEMO.get((self, key))
        if found is None:
            left, right = (dict(zip(self.columns, side, strict=True)) for side in key)
            found = next(
                lv for lv in self.levels if lv.test is None or lv.test(left, right) is True
            )
            if len(_MEMO) > _MEMO_SIZE:
                _MEMO.clear()
            _MEMO[(self, key)] = found
        return found


_MEMO: dict[tuple[_Comparison, tuple[tuple, tuple]], _Level] = {}
_MEMO_SIZE = 200_000


@dataclass(frozen=True)
class _Blocking:
    """A blocking rule: an equi-join on keys of each side when it is one (hashable and fast),
    else a condition tried on every pair."""

    keys: tuple[tuple[Condition, ...], tuple[Condition, ...]] | None
    test: Condition


@dataclass(frozen=True)
class CompiledModel:
    """A trained Splink model (one pass) as Python functions and Splink's numbers."""

    prior_weight: float
    comparisons: tuple[_Comparison, ...]
    blocking: tuple[_Blocking, ...]
    tf_columns: tuple[str, ...]
    columns: tuple[str, ...]  # the edge columns, as the DuckDB pass fetches them


def compile_model(settings: dict[str, Any]) -> CompiledModel:
    """Compile a Splink settings dictionary with trained m and u (DuckDB dialect), such as
    :func:`~stalkflag.linkage._splink.port_model` gives.

    Raises:
        Unsupported: A condition cannot be evaluated in Python.
    """
    return _compile(json.dumps(settings, sort_keys=True, default=str))


@lru_cache(maxsize=8)
def _compile(key: str) -> CompiledModel:
    from splink import SettingsCreator
    from splink.internals.misc import prob_to_match_weight

    settings = SettingsCreator.from_path_or_dict(json.loads(key)).get_settings("duckdb")
    if settings._link_type != "dedupe_only":
        raise Unsupported(f"link type {settings._link_type}")
    comparisons = []
    for c in settings.comparisons:
        levels = []
        read: set[str] = set()
        for level in c.comparison_levels:
            weight = level._match_weight
            if weight is None:
                raise Unsupported(f"{c.output_column_name}: a level without m or u")
            tf = None
            if (
                level._has_tf_adjustments
                and level._tf_adjustment_weight != 0
                and not level._is_else_level
                and level.comparison_vector_value != -1
            ):
                u_exact = level._u_probability_corresponding_to_exact_match(c.comparison_levels)
                tf = (
                    level._tf_adjustment_input_column.unquote().name,
                    float(level._tf_adjustment_weight),
                    math.log2(u_exact),
                    float(level._tf_minimum_u_value),
                )
            test = None
            if not level._is_else_level:
                tree = sqlglot.parse_one(level.sql_condition, read="duckdb")
                test = condition(tree)
                read.update(_column(node)[1] for node in tree.find_all(exp.Column))
            levels.append(_Level(level.comparison_vector_value, test, float(weight), tf))
        comparisons.append(
            _Comparison(
                c.output_column_name,
                c._gamma_column_name,
                c._mw_column_name,
                c._mw_tf_adj_column_name if c._has_tf_adjustments else None,
                tuple(levels),
                tuple(sorted(read)),
            )
        )
    blocking = tuple(
        _blocking(br.blocking_rule_sql) for br in settings._blocking_rules_to_generate_predictions
    )
    columns = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
    columns += [cc.gamma for cc in comparisons]
    for cc in comparisons:
        columns += [cc.mw] + ([cc.mw_tf] if cc.mw_tf else [])
    tf_columns = tuple(dict.fromkeys(lv.tf[0] for cc in comparisons for lv in cc.levels if lv.tf))
    prior = prob_to_match_weight(settings.core_model_settings.probability_two_random_records_match)
    return CompiledModel(float(prior), tuple(comparisons), blocking, tf_columns, tuple(columns))


def _blocking(sql: str) -> _Blocking:
    """A blocking rule; an equi-join when every conjunct equates an expression of ``l`` with
    one of ``r``."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    left: list[Condition] = []
    right: list[Condition] = []
    for part in _flatten(tree.unnest() if isinstance(tree, exp.Paren) else tree, exp.And):
        part = part.unnest() if isinstance(part, exp.Paren) else part
        sides = (
            [
                {_column(c)[0] for c in side.find_all(exp.Column)}
                for side in (part.this, part.expression)
            ]
            if isinstance(part, exp.EQ)
            else []
        )
        if sides == [{"l"}, {"r"}]:
            left.append(condition(part.this))
            right.append(condition(part.expression))
        elif sides == [{"r"}, {"l"}]:
            left.append(condition(part.expression))
            right.append(condition(part.this))
        else:
            return _Blocking(None, condition(tree))
    return _Blocking((tuple(left), tuple(right)), condition(tree))


# -- predicting --------------------------------------------------------------------------------


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as dictionaries of plain Python values (missing as ``None``, lists as
    tuples, so that values can be memo keys)."""
    columns = {c: [_plain(v) for v in frame[c].tolist()] for c in frame.columns}
    return [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray | list):
        return tuple(value)
    if isinstance(value, np.integer):
        return int(value)
    if value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _pairs(rows: list[dict[str, Any]], blocking: tuple[_Blocking, ...]) -> list[tuple[int, int]]:
    """Positions of the pairs some blocking rule finds, ``l.unique_id < r.unique_id``."""
    found: set[tuple[int, int]] = set()
    uid = [row["unique_id"] for row in rows]
    for rule in blocking:
        if rule.keys is None:
            found.update(
                (i, j)
                for i in range(len(rows))
                for j in range(len(rows))
                if uid[i] < uid[j] and rule.test(rows[i], rows[j]) is True
            )
            continue
        key_l, key_r = rule.keys
        index: dict[tuple, list[int]] = {}
        for j, row in enumerate(rows):
            key = tuple(k(row, row) for k in key_r)
            if not any(_is_null(v) for v in key):
                index.setdefault(key, []).append(j)
        for i, row in enumerate(rows):
            key = tuple(k(row, row) for k in key_l)
            if any(_is_null(v) for v in key):
                continue
            found.update((i, j) for j in index.get(key, ()) if uid[i] < uid[j])
    return sorted(found, key=lambda p: (uid[p[0]], uid[p[1]]))


def _probability(weight: float) -> float:
    if weight >= 0:
        return 1.0 / (1.0 + math.pow(2.0, -weight))
    return math.pow(2.0, weight) / (1.0 + math.pow(2.0, weight))


def predict(
    frame: pd.DataFrame,
    model: CompiledModel,
    threshold: float,
    *,
    term_frequencies: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Scored pairs of ``frame`` (mentions, one pass's columns) at or above the match
    probability ``threshold``: the columns of :attr:`CompiledModel.columns`, as Splink's
    ``predict(threshold_match_probability=threshold)`` gives them.

    Term frequencies are counted in ``term_frequencies`` (default ``frame``): Splink keeps a
    column's term frequencies by name on its database connection, so a second pass on the
    same connection reuses the first pass's, counted over that pass's table.
    """
    from splink.internals.misc import prob_to_match_weight

    rows = _records(frame)
    counted = rows if term_frequencies is None else _records(term_frequencies)
    tf: dict[str, dict[Any, float]] = {}
    for column in model.tf_columns:
        counts = Counter(row[column] for row in counted if not _is_null(row[column]))
        total = sum(counts.values())
        tf[column] = {value: float(n) / total for value, n in counts.items()}
    cut = prob_to_match_weight(threshold) if threshold else None
    out: list[list[Any]] = []
    for i, j in _pairs(rows, model.blocking):
        left, right = rows[i], rows[j]
        gammas: list[int] = []
        parts: list[float] = []
        for comparison in model.comparisons:
            level = comparison.level(left, right)
            gammas.append(level.value)
            parts.append(level.weight)
            if comparison.mw_tf is not None:
                parts.append(_tf_adjustment(level, left, right, tf))
        weight = model.prior_weight
        for part in parts:
            weight = weight + part
        if cut is not None and not weight >= cut:
            continue
        out.append(
            [left["unique_id"], right["unique_id"], _probability(weight), weight, *gammas, *parts]
        )
    whole = {"unique_id_l", "unique_id_r"} | {c.gamma for c in model.comparisons}
    values = zip(*out, strict=True) if out else ([] for _ in model.columns)
    return pd.DataFrame(
        {
            c: np.array(v, dtype="int64" if c in whole else "float64")
            for c, v in zip(model.columns, values, strict=True)
        }
    )


def _tf_adjustment(level: _Level, left: Row, right: Row, tf: dict[str, dict[Any, float]]) -> float:
    if level.tf is None:
        return 0.0
    column, weight, log2_u, minimum = level.tf
    tf_l = tf[column].get(left[column]) if not _is_null(left[column]) else None
    tf_r = tf[column].get(right[column]) if not _is_null(right[column]) else None
    a = tf_l if tf_l is not None else tf_r
    b = tf_r if tf_r is not None else tf_l
    if a is None or b is None:
        return 0.0
    return weight * (log2_u - math.log2(max(a, b, minimum)))
