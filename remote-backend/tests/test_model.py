"""The LWM model in JAX against the transformers golden fixtures (test/FIXTURES.md), and the weight loaders."""
import json
import os
import shutil

import msgpack
import numpy as np
import pytest

from conftest import engine, fixture_dir
from lwm_backend.config import hf_config
from lwm_backend.model import inv_freq
from lwm_backend.weights import load_model, read_streaming_params

pytestmark = pytest.mark.timeout(300)
SHAPES = ["s2x64", "s4x256", "long"]
TOLERANCE = 1e-4


def model_dir(shape, fmt=""):
    root = fixture_dir("fixtures", "models", shape)
    return os.path.join(root, fmt) if fmt else root


def golden(shape):
    with open(os.path.join(model_dir(shape), "golden.json")) as f:
        return json.load(f)


def logits_by_chunks(eng, ids, positions):
    """Logits at `positions` of a whole-sequence prefill, chunk by chunk (so long cases also use the cache)."""
    cache = eng.new_cache(len(ids))
    positions, out = np.asarray(positions), []
    for start in range(0, len(ids), eng.chunk_size):
        end = start + eng.chunk_size
        rows = positions[(positions >= start) & (positions < end)] - start
        out.append(eng.logits_at(cache, np.asarray(ids[start:end]), None, rows)[0])
    eng.free(cache)
    return np.concatenate(out)


@pytest.mark.parametrize("shape", SHAPES)
def test_inv_freq_is_bit_exact(shape):
    g = golden(shape)
    cfg = g["config"]
    got = inv_freq(cfg["head_dim"], cfg["rope_theta"])
    assert got.tolist() == np.asarray(g["rope_inv_freq"], np.float32).tolist()


@pytest.mark.parametrize("shape", SHAPES)
def test_all_formats_load_to_the_same_weights(shape):
    cfg, ref = load_model(model_dir(shape, "hf-f32"))
    for fmt, tol in (("jax", 0.0), ("hf-bf16", 0.0), ("hf-f16", 1e-7)):
        cfg2, params = load_model(model_dir(shape, fmt))
        assert cfg2.hidden_size == cfg.hidden_size and cfg2.rope_theta == cfg.rope_theta
        assert cfg2.max_sequence_length == cfg.max_sequence_length and cfg2.rms_norm_eps == cfg.rms_norm_eps
        for key, value in ref.items():
            err = np.abs(np.asarray(params[key], np.float32) - np.asarray(value, np.float32)).max()
            assert err <= tol, (fmt, key, err)


# (format, mesh dp,fsdp,tp,sp); the Jax params with the sequence over 8 devices, HF weights on other meshes.
CASES = [("s2x64", "jax", (1, 8)), ("s4x256", "jax", (1, 8)), ("long", "jax", (1, 8)),
         ("s4x256", "hf-f32", (2, 2)), ("s2x64", "hf-bf16", (1, 1))]


@pytest.mark.parametrize("shape,fmt,mesh", CASES, ids=[f"{s}-{f}-tp{m[0]}sp{m[1]}" for s, f, m in CASES])
def test_golden_logits(shape, fmt, mesh):
    g = golden(shape)
    tp, sp = mesh
    eng = engine(model_dir(shape, fmt), sp=sp, tp=tp, fsdp=8 // (sp * tp) if fmt == "hf-f32" else 1)
    errors = {}
    for case in g["cases"]:
        ref = np.fromfile(os.path.join(model_dir(shape), case["logits"]), np.float32)
        ref = ref.reshape(case["logits_shape"])
        got = logits_by_chunks(eng, case["prompt_ids"], case["positions"])
        errors[case["name"]] = float(np.abs(got - ref).max())
    print(f"{shape} {fmt} mesh={eng.mesh}: max |logit error| {errors}")
    assert max(errors.values()) <= TOLERANCE, errors


@pytest.mark.parametrize("shape", SHAPES)
def test_greedy_sp8_equals_golden(shape):
    g = golden(shape)["greedy"]
    eng = engine(model_dir(shape, "jax"), sp=8)
    prompt = np.array(g["prompt_ids"], np.int32)
    cache = eng.new_cache(len(prompt) + len(g["generated_ids"]))
    logits = eng.prefill(cache, prompt, None)
    out = []
    for _ in g["generated_ids"]:
        out.append(int(np.argmax(logits.text)))
        logits = eng.decode(cache, out[-1], False)
    eng.free(cache)
    assert out == g["generated_ids"]


# ---------------------------------------------------------------------------------------------- bad input

def copy_model(src, dst):
    shutil.copytree(src, dst)
    return str(dst)


def test_truncated_params_names_the_file(tmp_path):
    d = copy_model(model_dir("s2x64", "jax"), tmp_path / "m")
    path = os.path.join(d, "params")
    size = os.path.getsize(path)
    for cut in (size - 3, size // 2, 5):
        with open(path, "r+b") as f:
            f.truncate(cut)
        with pytest.raises(ValueError, match="params.*truncated"):
            load_model(d)


def test_malformed_records(tmp_path):
    path = str(tmp_path / "params")
    arr = msgpack.ExtType(1, msgpack.packb([[2], "int32", b"\0" * 8]))
    bad = {
        "unsupported dtype": [[["a"], msgpack.packb(arr)]],
        "not .*key_path": [[["a"], msgpack.packb(arr), 3]],
        "data bytes": [[["a"], msgpack.packb(msgpack.ExtType(1, msgpack.packb([[4], "float32", b"\0" * 8])))]],
        "ext type 7": [[["a"], msgpack.packb(msgpack.ExtType(7, b"xx"))]],
        "not an array": [[["a"], msgpack.packb("text")]],
        "chunks hold": [[["a"], msgpack.packb({"__msgpack_chunked_array__": True, "shape": {"0": 9},
                                               "chunks": {"0": msgpack.ExtType(1, msgpack.packb(
                                                   [[2], "float32", b"\0" * 8]))}})]],
    }
    for problem, records in bad.items():
        with open(path, "wb") as f:
            for record in records:
                f.write(msgpack.packb(record))
        with pytest.raises(ValueError, match=problem):
            list(read_streaming_params(path))
    # A header announcing more bytes than the file holds is refused before anything is allocated.
    with open(path, "wb") as f:
        f.write(b"\x92\x91\xa1a\xc6\xff\xff\xff\xf0")  # [["a"], bin32 of 4 GiB]
    with pytest.raises(ValueError, match="params: truncated"):
        list(read_streaming_params(path))


def test_missing_and_wrong_config_values(tmp_path):
    src = model_dir("s2x64", "hf-f32")
    with open(os.path.join(src, "config.json")) as f:
        cfg = json.load(f)
    for change, problem in (({"hidden_size": None}, "hidden_size"), ({"rms_norm_eps": "1e-6"}, "rms_norm_eps"),
                            ({"num_key_value_heads": 2}, "GQA"), ({"num_attention_heads": 1.5}, "integer")):
        broken = {k: v for k, v in {**cfg, **change}.items() if v is not None}
        path = tmp_path / "config.json"
        path.write_text(json.dumps(broken))
        with pytest.raises(ValueError, match=problem):
            hf_config(str(path))
    d = copy_model(model_dir("s2x64", "jax"), tmp_path / "unnamed")
    os.remove(os.path.join(d, "lwm_config.json"))
    with pytest.raises(ValueError, match="rope_theta"):
        load_model(d)
    named = tmp_path / "LWM-Chat-32K"
    os.rename(d, named)  # a text tree in a directory named after a vision model
    with pytest.raises(ValueError, match="vision"):
        load_model(str(named))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no weights"):
        load_model(str(empty))


def test_bad_safetensors(tmp_path):
    d = copy_model(model_dir("s2x64", "hf-f32"), tmp_path / "m")
    path = os.path.join(d, "model.safetensors")
    with open(path, "r+b") as f:
        f.write((1 << 40).to_bytes(8, "little"))
    with pytest.raises(ValueError, match="model.safetensors: safetensors header length"):
        load_model(d)
