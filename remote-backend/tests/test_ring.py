"""Ring attention against dense attention on 1, 2, 4 and 8 simulated CPU devices (serving.md §4)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lwm_backend.attention import MASK_VALUE, Acc, attend, dense_attention, finalize, init_acc
from lwm_backend.mesh import make_mesh, parse_mesh
from lwm_backend.ring import cached_attention, layout_blocks, ring_attention

pytestmark = pytest.mark.timeout(300)
L, H, D = 512, 2, 16


def sub_mesh(n):
    return make_mesh({"dp": 1, "fsdp": 1, "tp": 1, "sp": n}, jax.devices()[:n])


def qkv(seed, length=L, scale=1.0, dtype=jnp.float32):
    r = np.random.default_rng(seed)
    return tuple(jnp.asarray(r.standard_normal((length, H, D)) * scale, jnp.float32).astype(dtype)
                 for _ in range(3))


@pytest.mark.parametrize("n", [1, 2, 4, 8])
@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("layout", ["zigzag", "contiguous"])
@pytest.mark.parametrize("chunks", [(32, 32), (48, 40)])
def test_ring_equals_dense_f32(n, causal, layout, chunks):
    q, k, v = qkv(n)
    pos = jnp.arange(L)
    ref = dense_attention(q, k, v, pos, pos, causal=causal)
    out, _ = ring_attention(q, k, v, sub_mesh(n), causal=causal, layout=layout, q_chunk=chunks[0],
                            k_chunk=chunks[1])
    assert np.isfinite(np.asarray(out)).all()
    np.testing.assert_allclose(np.asarray(out), np.asarray(ref), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("n", [1, 2, 4, 8])
@pytest.mark.parametrize("layout", ["zigzag", "contiguous"])
def test_ring_bf16_within_2e2_of_f32_on_rounded_inputs(n, layout):
    q, k, v = qkv(10 + n, dtype=jnp.bfloat16)
    pos = jnp.arange(L)
    ref = dense_attention(*(x.astype(jnp.float32) for x in (q, k, v)), pos, pos, causal=True)
    out, _ = ring_attention(q, k, v, sub_mesh(n), causal=True, layout=layout, q_chunk=64, k_chunk=64)
    assert out.dtype == jnp.bfloat16
    out = np.asarray(out.astype(jnp.float32))
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, np.asarray(ref), atol=2e-2, rtol=2e-2)


def test_ring_large_logits_and_odd_length_stay_finite():
    q, k, v = qkv(3, length=333, scale=30.0)
    pos = jnp.arange(333)
    ref = dense_attention(q, k, v, pos, pos, causal=True)
    out, _ = ring_attention(q, k, v, sub_mesh(8), causal=True, q_chunk=16, k_chunk=16)
    assert np.isfinite(np.asarray(out)).all()
    np.testing.assert_allclose(np.asarray(out), np.asarray(ref), atol=1e-4, rtol=1e-4)


def test_zigzag_balances_causal_work_and_contiguous_does_not():
    """Computed (query chunk, key chunk) pairs per device, counted by the kernel itself."""
    n, length, block = 8, 1024, 64  # chunk = zigzag block, so every block is one chunk
    q, k, v = qkv(4, length=length)
    _, zig = ring_attention(q, k, v, sub_mesh(n), causal=True, layout="zigzag", q_chunk=block, k_chunk=block)
    _, con = ring_attention(q, k, v, sub_mesh(n), causal=True, layout="contiguous", q_chunk=block, k_chunk=block)
    zig, con = np.asarray(zig), np.asarray(con)
    blocks = 2 * n
    assert zig.sum() == con.sum() == blocks * (blocks + 1) // 2  # the lower triangle, diagonal included
    assert zig.max() - zig.min() == 0
    assert con.max() / con.min() >= n  # contiguous: device r does 4r+3 blocks, 3 up to 4n-1
    assert list(con) == sorted(con)


def test_layout_blocks():
    zig = layout_blocks(16, 4, "zigzag")
    assert zig[:, :2].tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]] and zig[0, 2:].tolist() == [14, 15]
    assert sorted(zig.reshape(-1).tolist()) == list(range(16))
    padded = layout_blocks(5, 4, "zigzag")  # 8 slots, 3 of them padding
    assert sorted(x for x in padded.reshape(-1) if x >= 0) == list(range(5))
    for row in padded:  # real tokens first, increasing: the cache's truncation relies on it
        real = row[row >= 0]
        assert (row[:real.size] == real).all() and (np.diff(real) > 0).all()
    with pytest.raises(ValueError):
        layout_blocks(4, 2, "striped")


@pytest.mark.parametrize("n", [1, 2, 4, 8])
def test_decode_merge_equals_dense_last_row(n):
    """One query replicated on every device against a cache sharded over sp (with empty slots), merged by
    log-sum-exp: equals the last row of dense causal attention."""
    q, k, v = qkv(20 + n)
    used = 470
    kpos = jnp.where(jnp.arange(L) < used, jnp.arange(L), -1)
    perm = np.random.default_rng(n).permutation(L)  # the cache may hold positions in any slot
    out = cached_attention(q[used - 1:used], jnp.array([used - 1]), k[perm], v[perm], kpos[perm], sub_mesh(n),
                           q_chunk=16, k_chunk=32)
    pos = jnp.arange(used)
    ref = dense_attention(q[:used], k[:used], v[:used], pos, pos, causal=True)[-1:]
    np.testing.assert_allclose(np.asarray(out), np.asarray(ref), atol=1e-5, rtol=1e-5)


def test_fully_masked_rows_are_finite():
    q, k, v = qkv(5, length=64)
    acc, count = attend(init_acc(q), q, jnp.arange(64), k, v, jnp.full(64, -1), causal=True, q_chunk=16,
                        k_chunk=16)
    assert int(count) == 0 and np.isfinite(np.asarray(finalize(acc, jnp.float32))).all()
    # A computed block where some rows see nothing: uniform average (LWM's finite mask), not NaN.
    acc, _ = attend(init_acc(q), q, jnp.arange(64) - 32, k, v, jnp.arange(64), causal=True, q_chunk=64,
                    k_chunk=64)
    out = np.asarray(finalize(acc, jnp.float32))
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[0], np.asarray(v).mean(axis=0), atol=1e-6)
    assert isinstance(acc, Acc) and float(init_acc(q).m[0, 0]) == MASK_VALUE


def test_parse_mesh():
    assert parse_mesh("1,1,1,-1", 8) == {"dp": 1, "fsdp": 1, "tp": 1, "sp": 8}
    assert parse_mesh("!1,-1,2,2", 8) == {"dp": 1, "fsdp": 2, "tp": 2, "sp": 2}
    for bad in ("1,1,1", "1,1,-1,-1", "1,1,3,1", "a,b,c,d", "1,0,1,8", "1,1,1,16"):
        with pytest.raises(ValueError, match="mesh"):
            parse_mesh(bad, 8)
