"""Decoding with the exported language model through the independent numpy reference (lwmref.vision_reference):
greedy text answers, and LWM's text-to-image / text-to-video sampling with classifier-free guidance (§4)."""
from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "scripts"))
from lwmref import vision_reference as VR  # noqa: E402

import corpus as C  # noqa: E402
import samples as S  # noqa: E402

IMAGE = dict(cfg=5.0, top_k=8192, temperature=1.0)  # run_sample_image.sh
VIDEO = dict(cfg=1.0, top_k=1000, temperature=1.0)  # run_sample_video.sh


class Lm:
    def __init__(self, params: dict, shape, sp):
        self.params, self.shape, self.sp = params, shape, sp
        self.lm_head, self.vision_head = params[VR.LM_HEAD], params[VR.VISION_HEAD]

    def _prefill(self, ids, vision):
        cache = {"keys": [], "values": []}
        h = VR.hidden_states(self.params, self.shape, ids, vision, cache=cache)[-1]
        return cache, h

    def _step(self, cache, token: int, vision: bool):
        return VR.hidden_states(self.params, self.shape, [token], [vision], cache=cache)[-1]

    def answer(self, seq, max_new: int = 24) -> str:
        """Greedy text after the prompt, up to EOS."""
        cache, h = self._prefill(seq.ids, seq.vision)
        out = []
        for _ in range(max_new):
            token = int(np.argmax(h @ self.lm_head))
            if token == self.sp.eos_id():
                break
            out.append(token)
            h = self._step(cache, token, False)
        return self.sp.decode(out)

    def _sample_vision(self, cond, uncond, count: int, rng, cfg: float, top_k: int, temperature: float) -> list:
        """`count` vision tokens: guided logits u + cfg·(c − u), temperature, top-k, categorical; every 257th
        token forced to 8192; each token fed to both rows."""
        (c_cache, c_h), (u_cache, u_h) = cond, uncond
        out = []
        for i in range(count):
            c, u = c_h @ self.vision_head, u_h @ self.vision_head
            logits = (u + cfg * (c - u)).astype(np.float64) / temperature
            if top_k < len(logits):
                cut = np.partition(logits, -top_k)[-top_k]
                logits = np.where(logits < cut, -np.inf, logits)
            p = np.exp(logits - logits.max())
            token = int(rng.choice(len(p), p=p / p.sum()))
            if (i + 1) % S.TOKENS_PER_FRAME == 0:
                token = S.EOF_TOKEN
            out.append(token)
            c_h = self._step(c_cache, token, True)
            u_h = self._step(u_cache, token, True)
        return out

    def _rows(self, prompt: str, frame: list):
        cond = S.Seq(self.sp).text(prompt).vis(frame)
        uncond = S.Seq(self.sp).text(C.UNCONDITIONAL_PROMPT).vis(frame)
        return self._prefill(cond.ids, cond.vision), self._prefill(uncond.ids, uncond.vision)

    def generate_image(self, sp, caption: str, seed: int, **kw) -> np.ndarray:
        rng = np.random.default_rng(seed)
        cond, uncond = self._rows(C.image_prompt(caption), [])
        tokens = self._sample_vision(cond, uncond, S.TOKENS_PER_FRAME, rng, **{**IMAGE, **kw})
        return np.asarray(tokens[:256], np.int64)[None]

    def generate_video(self, sp, caption: str, frames: int, seed: int) -> np.ndarray:
        """First frame from the image prompt, the rest continuing the video prompt after it (§4.1)."""
        rng = np.random.default_rng(seed)
        cond, uncond = self._rows(C.image_prompt(caption), [])
        first = self._sample_vision(cond, uncond, S.TOKENS_PER_FRAME, rng, **IMAGE)
        cond, uncond = self._rows(C.video_prompt(caption), first)
        rest = self._sample_vision(cond, uncond, S.TOKENS_PER_FRAME * (frames - 1), rng, **VIDEO)
        tokens = np.asarray(first + rest, np.int64).reshape(frames, S.TOKENS_PER_FRAME)
        return tokens[:, :256]
