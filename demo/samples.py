"""Training and evaluation sequences in LWM's layouts, built the way the Java PromptBuilder builds prompts: one BOS,
then each text piece sentencepiece-encoded on its own, runs of vision ids marked by the vision mask, EOS closing an
answer. A sample records which next-token targets carry a text loss and which a vision loss.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import corpus as C

EOF_TOKEN, EOV_TOKEN = 8192, 8193  # end of frame, end of vision (reference/lwm.md §2.1)
TOKENS_PER_FRAME = 257


def vision_tokens(frames: np.ndarray, last: int = EOV_TOKEN) -> list:
    """(F, 256) codes -> 256 codes + 8192 per frame, the last frame closed by `last` (8193 in chat and training)."""
    out = []
    for i, f in enumerate(frames):
        out.extend(int(c) for c in f)
        out.append(last if i == len(frames) - 1 else EOF_TOKEN)
    return out


@dataclass
class Seq:
    """ids, vision mask, and per position whether its *next* token is a text or a vision target."""
    sp: object
    ids: list = field(default_factory=list)
    vision: list = field(default_factory=list)
    text_target: list = field(default_factory=list)
    vision_target: list = field(default_factory=list)

    def __post_init__(self):
        self._add([self.sp.bos_id()], False, False)

    def _add(self, ids, vision: bool, loss: bool):
        # The target of position t is token t + 1: mark the position before each new token.
        for i in ids:
            if self.ids:
                self.text_target[-1] = loss and not vision
                self.vision_target[-1] = loss and vision
            self.ids.append(int(i))
            self.vision.append(vision)
            self.text_target.append(False)
            self.vision_target.append(False)
        return self

    def text(self, piece: str, loss: bool = False):
        return self._add(self.sp.encode(piece), False, loss)

    def eos(self, loss: bool = True):
        return self._add([self.sp.eos_id()], False, loss)

    def vis(self, ids, loss: bool = False):
        return self._add(ids, True, loss)

    def arrays(self):
        return (np.asarray(self.ids, np.int32), np.asarray(self.vision, bool),
                np.asarray(self.text_target, bool), np.asarray(self.vision_target, bool))


# ---------------------------------------------------------------- layouts

def vision_chat(sp, question: str, frames: np.ndarray, answer: str | None, followups: tuple = ()) -> Seq:
    """LWM's vision chat prompt (§2.4) and, for training, the answer and EOS with a text loss, then follow-up
    (question, answer) turns about the same frames in the Vicuna layout of text chat."""
    s = Seq(sp).text(f"{C.SYSTEM} USER: {question}\n").text("<vision>").vis(vision_tokens(frames))
    s.text("</vision>").text(" ASSISTANT:")
    if answer is not None:
        s.text(answer, loss=True).eos()
    for q, a in followups:
        s.text(f"USER: {q} ASSISTANT:").text(a, loss=True).eos()
    return s


def text_chat(sp, turns: list, question: str, answer: str | None) -> Seq:
    """ChatPrompt's layout: earlier (question, answer) turns Vicuna-style, one system prompt."""
    s = Seq(sp)
    system = C.SYSTEM + " "
    for q, a in turns:
        s.text(f"{system}USER: {q} ASSISTANT:").text(a, loss=True).eos()
        system = ""
    s.text(f"{system}USER: {question} ASSISTANT:")
    if answer is not None:
        s.text(answer, loss=True).eos()
    return s


def generation(sp, prompt: str | None, frames: np.ndarray) -> Seq:
    """Text-to-image/video (§4.1): the prompt ends in '<vision>', then every frame with a vision loss. A None prompt is
    the unconditional '<s><vision>' that classifier-free guidance subtracts."""
    s = Seq(sp).text(prompt if prompt is not None else C.UNCONDITIONAL_PROMPT)
    return s.vis(vision_tokens(frames), loss=True)


def plain_text(sp, text: str) -> Seq:
    return Seq(sp).text(text, loss=True).eos()


def needle_sample(sp, context: str, question: str, answer: str | None) -> Seq:
    s = Seq(sp).text(C.needle_prompt(context, question))
    if answer is not None:
        s.text(answer, loss=True).eos()
    return s
