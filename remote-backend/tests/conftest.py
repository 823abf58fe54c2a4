"""Shared test setup. XLA reads the simulated device count when jax initialises, so it is set here, before any
test module imports jax; tests that need fewer devices build sub-meshes of the first 1, 2 or 4."""
import os
import sys

os.environ["XLA_FLAGS"] = " ".join(
    f for f in os.environ.get("XLA_FLAGS", "").split() if not f.startswith("--xla_force_host_platform_device_count")
) + " --xla_force_host_platform_device_count=8"
os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pytest  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def fixtures_root() -> str:
    return os.environ.get("LWM_FIXTURES_ROOT") or os.path.join(REPO, "test", "target")


def fixture_dir(*parts: str, marker: str = "golden.json") -> str:
    """A fixture directory, or a clean skip naming what is missing."""
    path = os.path.join(fixtures_root(), *parts)
    if not os.path.exists(os.path.join(path, marker)):
        pytest.skip(f"fixtures not generated: {os.path.join(path, marker)} is missing "
                    "(run `mvn -pl test generate-test-resources` or set LWM_FIXTURES_ROOT)")
    return path


_ENGINES = {}


def engine(model_dir: str, sp: int, tp: int = 1, fsdp: int = 1, **kw):
    """Engines (and their compiled steps) are cached for the whole run: compiling dominates CPU test time."""
    import jax
    from lwm_backend.engine import LwmEngine

    key = (model_dir, sp, tp, fsdp, tuple(sorted(kw.items())))
    if key not in _ENGINES:
        kw = {"chunk_size": 1024, "q_chunk": 128, "k_chunk": 128, **kw}
        _ENGINES[key] = LwmEngine.load(model_dir, mesh=f"1,{fsdp},{tp},{sp}",
                                       devices=jax.devices()[:sp * tp * fsdp], **kw)
    return _ENGINES[key]
