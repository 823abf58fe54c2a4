"""Model shapes of the fixture set."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Shape:
    name: str
    layers: int
    hidden: int
    heads: int
    intermediate: int
    vocab: int
    theta: float
    eps: float
    max_pos: int
    seed: int
    # Test-only replacement for flax's MAX_CHUNK_SIZE (2**30 bytes) in the Jax params file.
    chunk_threshold: int
    # True: vocab 512, uses (and ships) the fixture tokenizer.
    with_tokenizer: bool
    # Number of safetensors / .bin shards of the F32 checkpoints.
    f32_shards: int = 1
    # Prompt lengths of the golden logits cases.
    case_lengths: tuple = (1, 17, 3000)
    # Prompt length of a second greedy golden for long contexts (0: none); the remote-backend end-to-end test uses it.
    long_greedy_length: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


SHAPES = [
    # Ratios mirror LWM-7B where possible: intermediate/hidden = 172/64 = 11008/4096 = 2.6875,
    # so with a 16 KiB threshold the stacked w1 is chunked 16384/16384/11264 bytes exactly like the real
    # 2^30-byte rule chunks LWM-7B's w1, and stacked wq is exactly the threshold (NOT chunked), like 7B's wq.
    Shape(name="s2x64", layers=2, hidden=64, heads=4, intermediate=172, vocab=512,
          theta=10000.0, eps=1e-5, max_pos=4096, seed=1001,
          chunk_threshold=16 * 1024, with_tokenizer=True),
    Shape(name="s4x256", layers=4, hidden=256, heads=8, intermediate=700, vocab=1000,
          theta=1e7, eps=1e-6, max_pos=8192, seed=1002,
          chunk_threshold=64 * 1024, with_tokenizer=False, f32_shards=2),
    Shape(name="long", layers=2, hidden=64, heads=2, intermediate=128, vocab=512,
          theta=5e7, eps=1e-6, max_pos=16384, seed=1003,
          chunk_threshold=16 * 1024, with_tokenizer=True, case_lengths=(1, 17, 3000, 8500),
          long_greedy_length=16000),
]

FORMATS = ["hf-f32", "hf-bf16", "hf-f16", "bin", "jax"]
