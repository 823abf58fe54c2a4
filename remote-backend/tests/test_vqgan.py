"""The JAX VQGAN against the PyTorch reference's golden codes and pixels (test/VQGAN_FIXTURES.md), and the weight
loaders against malicious and broken files.

Fixtures: $LWM_FIXTURES_ROOT/vqgan-fixtures (default <repo>/test/target); every test that needs them skips when they
are absent. The full configuration encodes and decodes one frame, the small one all four.
"""

from __future__ import annotations

import json
import os
import pathlib
import pickle
import time

import numpy as np
import pytest

from lwm_backend import unpickle, vqgan_weights
from lwm_backend.vqgan import Vqgan

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = pathlib.Path(os.environ.get("LWM_FIXTURES_ROOT", REPO / "test" / "target")) / "vqgan-fixtures"
PIXEL_TOLERANCE = 1e-4
FULL_FRAMES = 1


def fixture_dir(config: str) -> pathlib.Path:
    directory = FIXTURES / config
    if not (directory / "golden.json").is_file():
        pytest.skip(f"no VQGAN fixtures at {directory} (make them with test/scripts/make_vqgan_fixtures.py)")
    return directory


class Golden:
    """One configuration's fixture files, the first `frames` frames of each."""

    def __init__(self, directory: pathlib.Path, frames: int | None = None) -> None:
        self.dir = directory
        self.meta = json.loads((directory / "golden.json").read_text())
        self.frames = min(frames or self.meta["frames"], self.meta["frames"])

    def array(self, name: str, dtype) -> np.ndarray:
        shape = self.meta["files"][name]
        return np.fromfile(self.dir / name, dtype=dtype).reshape(shape)[:self.frames]

    def codes(self, name: str = "codes.i32") -> np.ndarray:
        return self.array(name, np.int32).reshape(self.frames, -1)


def assert_codes_match(vqgan: Vqgan, golden: Golden, codes: np.ndarray, label: str) -> None:
    """Equal to the reference's codes, except at ties: a differing code must be the reference's second-best, and
    the reference's gap between the two must be within what the latents' difference can flip."""
    expected = golden.codes()
    differs = np.argwhere(codes != expected)
    if len(differs) == 0:
        return
    ours = vqgan.latents(golden.array("frames.f32", np.float32)).reshape(golden.frames, -1, vqgan.config.embed_dim)
    ref = golden.array("latents.f32", np.float32).reshape(golden.frames, -1, vqgan.config.embed_dim)
    second, gap = golden.codes("second.i32"), golden.array("gap.f32", np.float32).reshape(golden.frames, -1)
    book = vqgan_weights.read_arrays(golden.dir / "vqgan.safetensors")["quantize/embeddings"]
    for frame, pos in differs:
        got, want = codes[frame, pos], expected[frame, pos]
        z = ref[frame, pos]
        # Moving z by delta moves d(e1) - d(e2) by 2 delta.(e2 - e1); plus float32 rounding of the distances.
        bound = (2 * np.linalg.norm(ours[frame, pos] - z) * np.linalg.norm(book[got] - book[want])
                 + 1e-5 * (z @ z + book[got] @ book[got] + book[want] @ book[want]))
        print(f"{label}: tie at frame {frame} position {pos}: code {got}, reference {want}, "
              f"reference gap {gap[frame, pos]:.3g}, bound {bound:.3g}")
        assert got == second[frame, pos], f"{label}: frame {frame} position {pos}: code {got}, reference {want}, " \
                                          f"which is not the reference's second-best {second[frame, pos]}"
        assert gap[frame, pos] <= bound, f"{label}: frame {frame} position {pos}: code {got} instead of {want} " \
                                         f"with a reference gap {gap[frame, pos]} above the bound {bound}"


def check_against_golden(vqgan: Vqgan, golden: Golden, label: str) -> None:
    started = time.perf_counter()
    codes = vqgan.encode(golden.array("frames.u8", np.uint8))
    encoded = time.perf_counter()
    assert codes.shape == (golden.frames, 256) and codes.dtype == np.int32
    assert_codes_match(vqgan, golden, codes, label)
    pixels = vqgan.decode_float(golden.codes())
    decoded = time.perf_counter()
    error = np.abs(pixels - golden.array("decoded.f32", np.float32))
    print(f"{label}: {golden.frames} frames, {int(np.sum(codes != golden.codes()))} code mismatches, pixel max error "
          f"{error.max():.3g}, mean {error.mean():.3g}; encode {encoded - started:.2f} s, decode {decoded - encoded:.2f} s")
    assert error.max() <= PIXEL_TOLERANCE, f"{label}: pixel error {error.max()}"
    assert_uint8_matches(vqgan.decode(golden.codes()), golden)


def assert_uint8_matches(saved: np.ndarray, golden: Golden) -> None:
    """LWM's truncating uint8 rule: equal, except off by one where the reference value sits within the pixel
    tolerance of an integer boundary."""
    expected = golden.array("decoded.u8", np.uint8)
    scaled = (golden.array("decoded.f32", np.float32) + 1) * 127.5
    differs = saved != expected
    assert np.all(np.abs(saved[differs].astype(int) - expected[differs]) == 1)
    near = np.abs(scaled - np.round(scaled)) <= PIXEL_TOLERANCE * 127.5
    assert np.all(near[differs]), "uint8 pixels differ away from a truncation boundary"


@pytest.fixture(scope="module")
def small_f32() -> Vqgan:
    return Vqgan.load(fixture_dir("small") / "vqgan", dtype="f32")


@pytest.mark.parametrize("weights", ["vqgan", "vqgan.p2", "vqgan.p5", "vqgan.safetensors"])
def test_small_matches_reference(weights: str, small_f32: Vqgan) -> None:
    directory = fixture_dir("small")
    golden = Golden(directory)
    # Every format must give the same parameters bit for bit; the protocol-4 model then stands for them all.
    reference = vqgan_weights.read_arrays(directory / "vqgan")
    loaded = vqgan_weights.read_arrays(directory / weights)
    assert loaded.keys() == reference.keys()
    for name, value in loaded.items():
        assert value.dtype == np.float32 and np.array_equal(value, reference[name]), name
    vqgan = small_f32 if weights == "vqgan" else Vqgan.load(directory / weights)
    assert vqgan.config == vqgan_weights.VqganConfig(3, 32, (32, 64, 64, 128, 192), 2, 64, 512, 64)
    check_against_golden(vqgan, golden, f"small/{weights}")


@pytest.mark.parametrize("weights", ["vqgan", "vqgan.safetensors"])
def test_full_matches_reference(weights: str) -> None:
    directory = fixture_dir("full")
    vqgan = Vqgan.load(directory / weights)
    assert vqgan.config == vqgan_weights.VqganConfig(3, 128, (128, 256, 256, 512, 768), 2, 64, 8192, 64)
    assert sum(np.prod(s) for s in vqgan_weights.expected_shapes(vqgan.config).values()) == 146_244_675
    check_against_golden(vqgan, Golden(directory, FULL_FRAMES), f"full/{weights}")


def test_bf16_is_close() -> None:
    """BF16 convs cannot reproduce F32 codes; they must still agree on most codes and pixels."""
    directory = fixture_dir("small")
    golden = Golden(directory)
    vqgan = Vqgan.load(directory / "vqgan", dtype="bf16")
    codes = vqgan.encode(golden.array("frames.u8", np.uint8))
    agreement = np.mean(codes == golden.codes())
    error = np.abs(vqgan.decode_float(golden.codes()) - golden.array("decoded.f32", np.float32))
    print(f"small bf16: code agreement {agreement:.3f}, pixel mean error {error.mean():.3g}, max {error.max():.3g}")
    assert agreement >= 0.9
    assert error.mean() <= 0.02


def test_batches_match_single_frames(small_f32: Vqgan) -> None:
    """Batch padding must not change results: 3 frames in batches of 2 (one padded) equal the 4-frame batch."""
    golden = Golden(fixture_dir("small"))
    frames = golden.array("frames.u8", np.uint8)[:3]
    batched = Vqgan.load(golden.dir / "vqgan", batch_size=2)
    np.testing.assert_array_equal(batched.encode(frames), small_f32.encode(frames))
    assert batched.encode(frames[:0]).shape == (0, 256)


def test_rejects_bad_inputs(small_f32: Vqgan) -> None:
    with pytest.raises(ValueError, match="uint8"):
        small_f32.encode(np.zeros((1, 256, 256, 3), np.float32))
    with pytest.raises(ValueError, match="NHWC"):
        small_f32.encode(np.zeros((1, 128, 128, 3), np.uint8))
    codes = np.zeros((1, 256), np.int32)
    codes[0, 7] = 512
    with pytest.raises(ValueError, match="position 7: code 512 is outside the codebook"):
        small_f32.decode(codes)
    with pytest.raises(ValueError, match="expected \\[n, 256\\]"):
        small_f32.decode(np.zeros((1, 255), np.int32))


# Loader safety and errors: these need no fixtures except where a real file is truncated or edited.

class _Payload:
    """Pickles as a call of os.system, as a malicious `vqgan` file would."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_forbidden_global_is_rejected(tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "pwned"
    for protocol in (2, 4, 5):
        path = tmp_path / f"evil.p{protocol}"
        path.write_bytes(pickle.dumps({"encoder": {"Conv_0": {"kernel": _Payload(marker)}}}, protocol=protocol))
        with pytest.raises(unpickle.PickleSecurityError, match=r"forbidden global '(posix|os)\.system'") as error:
            vqgan_weights.read_arrays(path)
        assert str(path) in str(error.value)
    # A hand-written protocol-0 pickle names the module as written.
    path = tmp_path / "evil.p0"
    path.write_bytes(b"\x80\x02cos\nsystem\n(Vtouch " + str(marker).encode() + b"\ntR.")
    with pytest.raises(unpickle.PickleSecurityError, match="forbidden global 'os.system'"):
        vqgan_weights.read_arrays(path)
    assert not marker.exists()


# numpy's own reconstruct function (numpy._core.multiarray in 2.x, numpy.core.multiarray in 1.x)
_RECONSTRUCT = np.zeros(1).__reduce__()[0]


class _FakeArray:
    """Pickles exactly as numpy does for an ndarray, but with a chosen (absurd) shape."""

    def __init__(self, shape: tuple[int, ...], data: bytes, dtype: np.dtype) -> None:
        self.shape, self.data, self.dtype = shape, data, dtype

    def __reduce__(self):
        return (_RECONSTRUCT, (np.ndarray, (0,), b"b"),
                (1, self.shape, self.dtype, False, self.data))


def test_absurd_and_exotic_arrays_are_rejected(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "huge"
    path.write_bytes(pickle.dumps({"a": _FakeArray((10 ** 9, 10 ** 9), b"\0" * 16, np.dtype("f4"))}, protocol=4))
    with pytest.raises(unpickle.PickleSecurityError, match="more than the whole file"):
        vqgan_weights.read_arrays(path)
    path.write_bytes(pickle.dumps({"a": _FakeArray((5,), b"\0" * 16, np.dtype("f4"))}, protocol=4))
    with pytest.raises(unpickle.PickleSecurityError, match="needs 20 bytes but carries 16"):
        vqgan_weights.read_arrays(path)
    path.write_bytes(pickle.dumps({"a": np.array([1, "x"], dtype=object)}, protocol=4))
    with pytest.raises(unpickle.PickleSecurityError, match="numpy dtype 'O8' is not allowed"):
        vqgan_weights.read_arrays(path)


def test_round_trip_of_plain_arrays(tmp_path: pathlib.Path) -> None:
    """C and Fortran order, every protocol, nested dicts: what numpy writes comes back equal."""
    tree = {"a": {"b": np.arange(12, dtype=np.float32).reshape(3, 4)},
            "f": np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)), "e": np.zeros((0, 4), np.float32)}
    for protocol in (2, 3, 4, 5):
        path = tmp_path / f"tree.p{protocol}"
        path.write_bytes(pickle.dumps(tree, protocol=protocol))
        flat = unpickle.load_array_tree(path)
        assert flat.keys() == {"a/b", "f", "e"}
        np.testing.assert_array_equal(flat["a/b"], tree["a"]["b"])
        np.testing.assert_array_equal(flat["f"], tree["f"])
        assert flat["e"].shape == (0, 4)


@pytest.mark.parametrize("weights", ["vqgan", "vqgan.p5", "vqgan.safetensors"])
def test_truncated_file_is_a_clear_error(weights: str, tmp_path: pathlib.Path) -> None:
    data = (fixture_dir("small") / weights).read_bytes()
    path = tmp_path / weights
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt pickle|unreadable safetensors") as error:
        vqgan_weights.load(path)
    assert str(path) in str(error.value)


def test_not_weights_is_a_clear_error(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "vqgan"
    path.write_text("hello, world\n")
    with pytest.raises(ValueError, match="neither a pickle .* nor a safetensors file"):
        vqgan_weights.load(path)


def test_parameter_names_and_shapes_are_checked(tmp_path: pathlib.Path) -> None:
    from safetensors.numpy import save_file

    arrays = vqgan_weights.read_arrays(fixture_dir("small") / "vqgan.safetensors")
    path = tmp_path / "edited.safetensors"

    def expect(edit, message: str) -> None:
        edited = dict(arrays)
        edit(edited)
        save_file(edited, str(path))
        with pytest.raises(ValueError, match=message):
            vqgan_weights.load(path)

    expect(lambda a: a.pop("decoder/UpsamplingBlock_0/ResnetBlock_2/Conv_1/bias"),
           "'decoder/UpsamplingBlock_0/ResnetBlock_2/Conv_1/bias': missing parameter")
    expect(lambda a: a.update({"decoder/Conv_1/kernel": np.zeros((3, 3, 32, 4), np.float32)}),
           r"'decoder/Conv_1/kernel': shape \(3, 3, 32, 4\) but .* needs \(3, 3, 32, 3\)")
    expect(lambda a: a.update({"encoder/MidBlock_0/AttnBlock_0/q/kernel": np.zeros((1,), np.float32)}),
           "'encoder/MidBlock_0/AttnBlock_0/q/kernel': unexpected parameter")
    expect(lambda a: a.update({"encoder/Conv_0/kernel": np.zeros((3, 3, 3, 33), np.float32)}),
           "width 33 cannot be split into 32 GroupNorm groups")
