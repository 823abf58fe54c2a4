"""Model hyper-parameters, read from an HF config.json or from LWM's Jax settings (reference/lwm.md §1.1-1.2).

LWM's Jax `params` file records no hyper-parameters: heads, RoPE theta, max_sequence_length and eps come from
`lwm_config.json` beside it, or else from the released model's name (the README's theta per text model, 50M in
every vision script), exactly as the Java engine's JaxSettings resolves them.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass

LWM_EPS = 1e-6
LWM_HEAD_DIM = 128
JAX_CONFIG_FILE = "lwm_config.json"
HF_CONFIG_FILE = "config.json"
VISION_VOCAB_SIZE = 8448  # 8192 VQGAN codes + 256 (delimiters among them), lwm.md §1.1
MAX_CONFIG_BYTES = 1 << 20

_RELEASED = re.compile(r"LWM-(Text-Chat|Text|Chat)-(32K|128K|256K|512K|1M)", re.IGNORECASE)
_CONTEXT = {"32K": 32768, "128K": 131072, "256K": 262144, "512K": 524288, "1M": 1048576}


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    rope_theta: float
    max_sequence_length: int
    rms_norm_eps: float
    vision_vocab_size: int | None = None
    bos_id: int = 1
    eos_id: int = 2

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_heads


@dataclass(frozen=True)
class JaxSettings:
    """What a Jax params file lacks. num_heads is None when unknown (then hidden / 128, the 7b layout)."""
    num_heads: int | None
    rope_theta: float
    max_sequence_length: int
    rms_norm_eps: float
    released_model: str | None  # e.g. "LWM-Chat-32K" when taken from the directory name

    def heads_for(self, hidden: int) -> int:
        return self.num_heads if self.num_heads else max(1, hidden // LWM_HEAD_DIM)

    def check_family(self, vision: bool, weights: str) -> None:
        """A name-derived theta is only right for that family (text 10M/25M/50M, vision 50M)."""
        if self.released_model is None:
            return
        named_vision = self.released_model.lower().startswith("lwm-chat-")
        if named_vision != vision:
            raise ValueError(
                f"{weights}: the directory name says {self.released_model}, a {'text' if vision else 'vision'} "
                f"model, but the checkpoint {'has' if vision else 'lacks'} the vision embedding and head; "
                f"rename the directory or add {JAX_CONFIG_FILE}")


def read_json(path: str) -> dict:
    size = os.path.getsize(path)
    if size > MAX_CONFIG_BYTES:
        raise ValueError(f"{path}: {size} bytes is too large for a config file")
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return value


def _int(cfg: dict, key: str, path: str, minimum: int = 1) -> int:
    if key not in cfg:
        raise ValueError(f"{path}: missing required value '{key}'")
    v = cfg[key]
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ValueError(f"{path}: '{key}' must be an integer >= {minimum}, got {v!r}")
    return v


def _number(cfg: dict, key: str, path: str) -> float:
    if key not in cfg:
        raise ValueError(f"{path}: missing required value '{key}'")
    v = cfg[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
        raise ValueError(f"{path}: '{key}' must be a positive number, got {v!r}")
    return float(v)


def hf_config(path: str) -> ModelConfig:
    """LlamaForCausalLM config.json. rope_theta may be flat (transformers 4) or in rope_parameters (5)."""
    cfg = read_json(path)
    heads = _int(cfg, "num_attention_heads", path)
    hidden = _int(cfg, "hidden_size", path)
    kv_heads = cfg.get("num_key_value_heads", heads)
    if kv_heads != heads:
        raise ValueError(f"{path}: num_key_value_heads={kv_heads} != num_attention_heads={heads}; "
                         "LWM is plain multi-head attention (no GQA)")
    if hidden % heads:
        raise ValueError(f"{path}: hidden_size {hidden} is not a multiple of num_attention_heads {heads}")
    if cfg.get("head_dim", hidden // heads) != hidden // heads:
        raise ValueError(f"{path}: head_dim {cfg['head_dim']} != hidden_size / num_attention_heads")
    if cfg.get("hidden_act", "silu") != "silu":
        raise ValueError(f"{path}: hidden_act {cfg['hidden_act']!r} is not supported (LWM uses silu)")
    if cfg.get("rope_scaling") or (cfg.get("rope_parameters") or {}).get("rope_type", "default") != "default":
        raise ValueError(f"{path}: RoPE scaling is not supported (LWM uses plain RoPE with a large theta)")
    if "rope_theta" not in cfg and isinstance(cfg.get("rope_parameters"), dict):
        cfg = dict(cfg, rope_theta=cfg["rope_parameters"].get("rope_theta"))
    return ModelConfig(
        vocab_size=_int(cfg, "vocab_size", path), hidden_size=hidden,
        intermediate_size=_int(cfg, "intermediate_size", path), num_layers=_int(cfg, "num_hidden_layers", path),
        num_heads=heads, rope_theta=_number(cfg, "rope_theta", path),
        max_sequence_length=_int(cfg, "max_position_embeddings", path),
        rms_norm_eps=_number(cfg, "rms_norm_eps", path),
        bos_id=cfg.get("bos_token_id") if isinstance(cfg.get("bos_token_id"), int) else 1,
        eos_id=cfg.get("eos_token_id") if isinstance(cfg.get("eos_token_id"), int) else 2)


def jax_settings(model_dir: str, weights: str) -> JaxSettings:
    path = os.path.join(model_dir, JAX_CONFIG_FILE)
    if os.path.exists(path):
        cfg = read_json(path)
        heads = _int(cfg, "num_attention_heads", path) if "num_attention_heads" in cfg else None
        eps = _number(cfg, "rms_norm_eps", path) if "rms_norm_eps" in cfg else LWM_EPS
        return JaxSettings(heads, _number(cfg, "rope_theta", path), _int(cfg, "max_sequence_length", path), eps, None)
    m = _RELEASED.search(os.path.basename(os.path.normpath(os.path.abspath(model_dir))))
    if not m:
        raise ValueError(f"{weights}: the Jax checkpoint does not record rope_theta and max_sequence_length; name "
                         f"the directory after the released model (e.g. LWM-Text-Chat-1M) or add {JAX_CONFIG_FILE} "
                         "with rope_theta and max_sequence_length")
    family, context = m.group(1), m.group(2).upper()
    model = f"LWM-{family}-{context}"
    length = _CONTEXT[context]
    vision = family.lower() == "chat"
    if not vision and length == 32768:
        raise ValueError(f"{model_dir}: there is no released LWM-Text 32K model; add {JAX_CONFIG_FILE}")
    if vision or length == 1048576:
        theta = 5e7
    elif length == 524288:
        theta = 2.5e7
    else:
        theta = 1e7
    return JaxSettings(None, theta, length, LWM_EPS, model)
