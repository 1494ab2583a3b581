"""A BERT sentence encoder in numpy: the forward pass of sentence-transformers models of the
BERT family (all-MiniLM-L6-v2 and its kin), mean or CLS pooling, optional normalisation.

No deep-learning framework: the weights are read from ``model.safetensors`` into numpy, the
text is split by the model's own ``tokenizer.json`` (the ``tokenizers`` package), and the
layers are float32 matrix products. GELU uses erf, as BERT's does (an approximation of erf
accurate to 1.5e-7, far below float32 noise of the layers around it).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import numpy.typing as npt
from safetensors.numpy import load as load_safetensors
from tokenizers import Tokenizer

F32 = npt.NDArray[np.float32]
MODEL_FILES = [
    "config.json",
    "tokenizer.json",
    "model.safetensors",
    "sentence_bert_config.json",
    "modules.json",
    "1_Pooling/config.json",
]


_SQRT_HALF = np.float32(1.0 / np.sqrt(2.0))
# Abramowitz & Stegun 7.1.26: erf(a) ~ 1 - (a1 t + ... + a5 t^5) exp(-a^2), t = 1 / (1 + p a)
_P = np.float32(0.3275911)
_A = [np.float32(c) for c in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)]


def _gelu(x: F32) -> F32:
    """``0.5 x (1 + erf(x / sqrt(2)))``, computed in place over few temporaries (this is
    the widest activation of the network)."""
    a = np.abs(x)
    a *= _SQRT_HALF
    t = a * _P
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * _A[0]
    for c in _A[1:]:
        poly += c
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a  # 1 - erf(|x| / sqrt(2))
    erf: F32 = np.subtract(1.0, poly, out=poly)
    erf *= np.sign(x)
    erf += 1.0
    erf *= x
    erf *= np.float32(0.5)
    return erf


def _layer_norm(x: F32, weight: F32, bias: F32, eps: float) -> F32:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return ((x - mean) / np.sqrt(var + eps) * weight + bias).astype(np.float32)  # type: ignore[no-any-return]


@dataclass
class _Layer:
    q: F32
    q_b: F32
    k: F32
    k_b: F32
    v: F32
    v_b: F32
    out: F32
    out_b: F32
    ln1_w: F32
    ln1_b: F32
    inter: F32
    inter_b: F32
    down: F32
    down_b: F32
    ln2_w: F32
    ln2_b: F32


class BertEncoder:
    """Sentence embeddings from a sentence-transformers BERT model's files (name -> bytes)."""

    def __init__(self, files: Mapping[str, bytes], max_length: int | None = None) -> None:
        config = json.loads(files["config.json"])
        st_config = json.loads(files.get("sentence_bert_config.json", b"{}"))
        pooling = json.loads(files.get("1_Pooling/config.json", b"{}"))
        modules = json.loads(files.get("modules.json", b"[]"))
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.dim = int(config["hidden_size"])
        self.cls_pooling = bool(pooling.get("pooling_mode_cls_token")) and not pooling.get("pooling_mode_mean_tokens")
        self.normalize = any(str(m.get("type", "")).endswith("Normalize") for m in modules)
        self.max_length = int(max_length or st_config.get("max_seq_length") or config["max_position_embeddings"])
        self.tokenizer = Tokenizer.from_str(files["tokenizer.json"].decode())
        self.tokenizer.enable_truncation(self.max_length)
        self.tokenizer.no_padding()
        # the same tokenizer without truncation: chunkers count every token of a document
        self.full_tokenizer = Tokenizer.from_str(files["tokenizer.json"].decode())
        self.full_tokenizer.no_truncation()
        self.full_tokenizer.no_padding()
        w: dict[str, Any] = load_safetensors(files["model.safetensors"])
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in w else ""

        def t(name: str) -> F32:
            return np.ascontiguousarray(w[prefix + name], dtype=np.float32)

        self.word = t("embeddings.word_embeddings.weight")
        self.position = t("embeddings.position_embeddings.weight")
        self.token_type = t("embeddings.token_type_embeddings.weight")
        self.emb_ln = (t("embeddings.LayerNorm.weight"), t("embeddings.LayerNorm.bias"))
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            self.layers.append(
                _Layer(
                    t(p + "attention.self.query.weight").T.copy(),
                    t(p + "attention.self.query.bias"),
                    t(p + "attention.self.key.weight").T.copy(),
                    t(p + "attention.self.key.bias"),
                    t(p + "attention.self.value.weight").T.copy(),
                    t(p + "attention.self.value.bias"),
                    t(p + "attention.output.dense.weight").T.copy(),
                    t(p + "attention.output.dense.bias"),
                    t(p + "attention.output.LayerNorm.weight"),
                    t(p + "attention.output.LayerNorm.bias"),
                    t(p + "intermediate.dense.weight").T.copy(),
                    t(p + "intermediate.dense.bias"),
                    t(p + "output.dense.weight").T.copy(),
                    t(p + "output.dense.bias"),
                    t(p + "output.LayerNorm.weight"),
                    t(p + "output.LayerNorm.bias"),
                )
            )

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the text's tokens (special tokens left out, nothing truncated)."""
        return list(self.full_tokenizer.encode(text, add_special_tokens=False).offsets)

    def encode(self, texts: Sequence[str], batch_size: int = 32, threads: int | None = None) -> F32:
        """One embedding per text, in order; batches group texts of similar length."""
        return self.encode_counted(texts, batch_size, threads)[0]

    def encode_counted(self, texts: Sequence[str], batch_size: int = 32, threads: int | None = None) -> tuple[F32, int]:
        """``encode``, and how many tokens the texts took (special tokens included).

        Batches run on ``threads`` threads (default: one per CPU): numpy releases the GIL in
        its kernels, and the element-wise half of the network (softmax, GELU, layer norms)
        is single-threaded in numpy, so whole batches in parallel beat BLAS threads alone.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        threads = threads or os.cpu_count() or 1
        # smaller batches when there are fewer than threads: every thread gets work
        size = max(1, min(batch_size, -(-len(order) // threads)))
        chunks = [order[start : start + size] for start in range(0, len(order), size)]
        workers = min(threads, len(chunks))

        def forward(chunk: list[int]) -> F32:
            return self._forward([encodings[i] for i in chunk])

        if workers <= 1:
            results = [forward(chunk) for chunk in chunks]
        else:
            with ThreadPoolExecutor(workers, thread_name_prefix="vecbase-embed") as pool:
                results = list(pool.map(forward, chunks))
        for chunk, vectors in zip(chunks, results):
            out[chunk] = vectors
        return out, sum(len(e.ids) for e in encodings)

    def _forward(self, encodings: list[Any]) -> F32:
        n, length = len(encodings), max(len(e.ids) for e in encodings)
        ids = np.zeros((n, length), dtype=np.int64)
        types = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            types[row, : len(e.ids)] = e.type_ids
            mask[row, : len(e.ids)] = 1.0
        x = self.word[ids] + self.position[:length][np.newaxis] + self.token_type[types]
        # token states as one (n * length, dim) matrix: each linear layer is one GEMM
        x = _layer_norm(x, *self.emb_ln, self.eps).reshape(n * length, self.dim)
        # masked keys get the most negative float, as BERT's extended attention mask does
        bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, np.newaxis, np.newaxis, :]
        h, d = self.heads, self.dim // self.heads
        scale = np.float32(1.0 / np.sqrt(d))
        for layer in self.layers:

            def split(y: F32) -> F32:
                # contiguous heads: numpy's batched matmul uses BLAS only on contiguous blocks
                return np.ascontiguousarray(y.reshape(n, length, h, d).transpose(0, 2, 1, 3))

            q = split(x @ layer.q + layer.q_b)
            k = split(x @ layer.k + layer.k_b)
            v = split(x @ layer.v + layer.v_b)
            # softmax in place: the (n, heads, length, length) scores are the largest array
            probs: F32 = q @ np.ascontiguousarray(k.transpose(0, 1, 3, 2))
            probs *= scale
            probs += bias
            probs -= probs.max(axis=-1, keepdims=True)
            np.exp(probs, out=probs)
            probs /= probs.sum(axis=-1, keepdims=True)
            ctx: F32 = (probs @ v).transpose(0, 2, 1, 3).reshape(n * length, self.dim)
            x = _layer_norm(ctx @ layer.out + layer.out_b + x, layer.ln1_w, layer.ln1_b, self.eps)
            inner = _gelu(x @ layer.inter + layer.inter_b)
            x = _layer_norm(inner @ layer.down + layer.down_b + x, layer.ln2_w, layer.ln2_b, self.eps)
        x = x.reshape(n, length, self.dim)
        if self.cls_pooling:
            pooled = x[:, 0, :]
        else:
            summed = (x * mask[:, :, np.newaxis]).sum(axis=1)
            pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        if self.normalize:
            pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled.astype(np.float32)
