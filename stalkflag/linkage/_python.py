"""A saved Splink model's predictions computed in Python, for a few hundred mentions (the API).

Splink builds SQL and a backend runs it; for an export that costs little per mention, but each
run also parses its settings and plans its SQL (a few hundred milliseconds), which a request
scoring one incident with its history cannot afford. This module evaluates the *same* SQL in
Python: each comparison level's and blocking rule's condition, as the model states it, becomes
a Python function (:mod:`._sql`), and the match weights, term-frequency adjustments and
probabilities are Splink's own numbers (read from Splink's settings object) combined in the
order of Splink's SQL. Pairs are those the blocking rules find, ``l.unique_id < r.unique_id``,
term frequencies are counted as the DuckDB run counts them, and pairs below the prediction
threshold are dropped, so the edges are those of the DuckDB run (``tests/test_api_scoring.py``
checks every edge, the clusters and the scores on random frames). A condition :mod:`._sql`
cannot evaluate raises :class:`Unsupported`, and the caller links with DuckDB instead.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import sqlglot
from sqlglot import expressions as exp

from stalkflag.linkage._sql import Condition, Row, Unsupported, column, condition, flatten, is_null

__all__ = ["CompiledModel", "Unsupported", "compile_model", "predict"]

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
                read.update(column(node)[1] for node in tree.find_all(exp.Column))
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
    for part in flatten(tree.unnest() if isinstance(tree, exp.Paren) else tree, exp.And):
        part = part.unnest() if isinstance(part, exp.Paren) else part
        sides = (
            [
                {column(c)[0] for c in side.find_all(exp.Column)}
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
            if not any(is_null(v) for v in key):
                index.setdefault(key, []).append(j)
        for i, row in enumerate(rows):
            key = tuple(k(row, row) for k in key_l)
            if any(is_null(v) for v in key):
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
    for name in model.tf_columns:
        counts = Counter(row[name] for row in counted if not is_null(row[name]))
        total = sum(counts.values())
        tf[name] = {value: float(n) / total for value, n in counts.items()}
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
    name, weight, log2_u, minimum = level.tf
    tf_l = tf[name].get(left[name]) if not is_null(left[name]) else None
    tf_r = tf[name].get(right[name]) if not is_null(right[name]) else None
    a = tf_l if tf_l is not None else tf_r
    b = tf_r if tf_r is not None else tf_l
    if a is None or b is None:
        return 0.0
    return weight * (log2_u - math.log2(max(a, b, minimum)))
