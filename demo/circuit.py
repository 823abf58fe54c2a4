"""The parts of the demo language model set by hand before training; training learns the rest around them.

What a model this small learns too slowly on two cores is given to it as circuits in LWM's own weights. The first
RESERVED residual dimensions carry them; learned heads and MLPs read every dimension but write only the others.

* Relative-position heads. A head whose queries and keys read only CONST (a coordinate every token but the BOS
  has) scores each earlier token by a sum of cosines of RoPE's frequencies, Σ a_f cos(ω_f Δ) + b_f sin(ω_f Δ),
  solved as a linear programme to peak at one offset Δ (the previous token, the patch above, the same patch a frame
  earlier) or to cover a window. A constant term (RoPE's slowest pair, which does not turn) shifts the kernel so that
  only the wanted offsets score above zero, and the BOS, which has no CONST, scores exactly zero: RMSNorm scales each
  key a little differently, and a scaled negative score stays below a scaled positive one; a head with nothing to
  find rests on the BOS. RoPE pairs 0–12 carry kernels; pairs 13–31 turn by less than half a radian over 4K tokens
  at theta 1e10 and carry content.
* LWM's needle copy (reference/lwm.md §5): an induction head over a token code. C is the token's code (13
  dimensions, one for each digit, '▁', ':' and '▁is'; every other token a short random vector; a filler dimension
  gives every token's slot one norm); P1–P3 are the slots of the three previous tokens, copied forward by
  previous-token heads in layers 0–2; GATE says a ':' is among the last ten tokens (as after a needle's 'is:'). The
  last layer's induction head matches the current and two previous tokens with the three tokens before each key (a
  trigram, so that a digit pair repeated inside the number does not mislead it), scores above zero only for a full
  match behind a ':', and copies the key's digit into O, which the text head turns into that digit's logit.
* Questions about images and clips. VF holds what a vision token's code says (codes.features: object, shape,
  colour, coverage, edge normal); the same-patch-a-frame-earlier head copies the earlier frame's coverage and normal
  into PREV, and twelve units of the first MLP form each patch's motion vote VOTE = Σ Δcoverage · outward normal
  (product terms through SwiGLU: silu(M + s·u)·v − silu(M)·v = s·u·v for large M). KW marks the question's words
  (type: colour, shape, count, direction; a shape; a colour); a head sums the most recent question's KW into QS
  (the last 60 tokens weigh most); the answer head looks at the object patches, most at those of the shape and colour
  QS names, and reads their colour, shape and vote into ANS. Training learns to word the answer from QS and ANS.
"""
from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import linprog

import codes as K
import world
from lm_net import TRAINED_VISION_IDS, LmConfig, LwmLm, inverse_frequencies

# ---------------------------------------------------------------- layout of the reserved dimensions

SPECIALS = [str(d) for d in range(10)] + ["\u2581", ":", "\u2581is"]
CODE = len(SPECIALS)  # 13
SLOT = CODE + 1  # code and filler
DIGITS = 10
KEYWORDS = {  # question word pieces -> KW dimension
    **{p: 0 for p in ("\u2581color", "\u2581colour")}, "\u2581shape": 1, **{p: 2 for p in ("\u2581many", "\u2581Count")},
    **{p: 3 for p in ("\u2581direction", "\u2581way", "\u2581moving")},
    **{"\u2581" + s: 4 + i for i, s in enumerate(world.SHAPES)},
    **{"\u2581" + c: 7 + i for i, c in enumerate(world.COLORS)},
}
KW_SIZE = 13
VF_SIZE = len(K.FEATURES)  # 15
VF_AT = {name: i for i, name in enumerate(K.FEATURES)}
MOTION = ("cover", "nx", "ny", "cover_nx", "cover_ny")


def _layout():
    at, out = 0, {}
    for name, size in (("const", 1), ("sink", 1), ("c", SLOT), ("p1", SLOT), ("p2", SLOT), ("p3", SLOT),
                       ("gate", 1), ("o", DIGITS), ("kw", KW_SIZE), ("kwany", 1), ("qs", KW_SIZE),
                       ("vf", VF_SIZE), ("prev", len(MOTION)), ("vote", 2), ("ans", 6 + 3 + 2)):
        out[name] = slice(at, at + size)
        at += size
    return out, at


L, RESERVED = _layout()
CONST, SINK, GATE, KWANY = L["const"].start, L["sink"].start, L["gate"].start, L["kwany"].start
C, P = L["c"], [L["p1"], L["p2"], L["p3"]]

# ---------------------------------------------------------------- magnitudes

KAPPA, RHO = 1.0, 3.0  # CONST's value; a slot's norm (and SINK's)
WEAK = 0.25  # norm of the code of a token that is not special (its filler makes up the slot's norm)
LEARNED = 2.0  # the learned dimensions' norm the design assumes (they start near 0.8)
LEARNED_SCALE = 2.5  # starting RMSNorm scale of the learned dimensions (the reserved ones dominate the norm)
POSITION_PAIRS = 13
FLAT = 62  # the real dimension of RoPE's slowest pair: constant terms
CONTENT = 2 * POSITION_PAIRS  # the first dimension of the slow pairs
MARGIN = 24.0  # nats between the wanted offsets (+MARGIN/2) and the others (−MARGIN/2 or less), at nominal norms
MATCH = 24.0  # nats per matching token of the induction head's trigram, at nominal norms
COPY = 12.0  # nats the text head adds to the copied digit
NEVER = 40.0  # how far below zero the vision head puts the ids that no training sequence holds
WINDOW = 10
QUESTION_WINDOW, QUESTION_GAP, QUESTION_PAIRS = 60, 200, slice(4, POSITION_PAIRS)
MOTION_GAIN = 5.0  # ANS carries the averaged vote this much larger (votes average over many still patches)

# Heads set here, by (layer, head).
TRIGRAM = ((C, P[0], 11), (P[0], P[1], 12), (P[1], P[2], 13))
PREVIOUS = {(0, 0): (C, P[0]), (1, 0): (P[0], P[1]), (2, 0): (P[1], P[2])}  # copy a slot one token forward
OFFSETS = {(0, 0): 1, (1, 0): 1, (2, 0): 1, (0, 1): 15, (0, 2): 257}  # (0, 1): above the next patch; (0, 2): a frame back
FRAME_HEAD, WINDOW_HEAD, QUESTION_HEAD, ANSWER_HEAD, INDUCTION_HEAD = (0, 2), (1, 1), (1, 2), (2, 1), (3, 0)


def token_codes(sp, vocab: int, seed: int = 5) -> np.ndarray:
    """(vocab, CODE): unit basis vectors for the special pieces, short random vectors for the rest, 0 for BOS."""
    rng = np.random.default_rng(seed)
    out = rng.normal(size=(vocab, CODE))
    out *= WEAK / np.linalg.norm(out, axis=1, keepdims=True)
    for i, piece in enumerate(SPECIALS):
        out[sp.piece_to_id(piece)] = np.eye(CODE)[i]
    out[sp.bos_id()] = 0.0
    return out.astype(np.float32)


def slot(codes: torch.Tensor) -> torch.Tensor:
    """(n, SLOT): RHO × (code, filler) with the filler making the norm RHO."""
    filler = torch.sqrt(torch.clamp(1.0 - codes.pow(2).sum(1, keepdim=True), min=0.0))
    return RHO * torch.cat((codes, filler), dim=1)


def nominal_rms(layer: int, hidden: int) -> float:
    """The RMS of a text token's residual entering `layer` (layers = ln_f): CONST, the slots written so far, GATE,
    QS and ANS (about one each once written), the learned dimensions."""
    slots = 1 + min(layer, 3)  # C, then P1 after layer 0, P2 after 1, P3 after 2
    written = (1.0 if layer >= 2 else 0.0) * 2 + (1.0 if layer >= 3 else 0.0)  # GATE and QS, then ANS
    return float(np.sqrt((KAPPA ** 2 + slots * RHO ** 2 + written + LEARNED ** 2) / hidden))


def vision_rms(hidden: int) -> float:
    """The RMS of an object patch's embedding: CONST, the slot's filler, its features, the learned dimensions."""
    return float(np.sqrt((KAPPA ** 2 + RHO ** 2 + 4.5 + LEARNED ** 2) / hidden))


# ---------------------------------------------------------------- position kernels

def kernel(c: LmConfig, inside, outside, pairs=slice(0, POSITION_PAIRS)) -> tuple:
    """(a, b, low, high): cosine and sine weights over RoPE `pairs` with Σ|a| + |b| = 1 that maximize low − high,
    low = min over `inside` of R(Δ), high = max over `outside`."""
    w = inverse_frequencies(c)[pairs].astype(np.float64)
    n = len(w)

    def basis(deltas):
        d = np.asarray(deltas, np.float64)[:, None]
        return np.hstack([np.cos(d * w), np.sin(d * w)])

    bi, bo = basis(inside), basis(outside)
    m = 2 * n  # a and b, each split into positive and negative parts; then low, high
    cost = np.zeros(2 * m + 2)
    cost[-2], cost[-1] = -1.0, 1.0
    rows = [np.hstack([-bi, bi, np.ones((len(bi), 1)), np.zeros((len(bi), 1))]),
            np.hstack([bo, -bo, np.zeros((len(bo), 1)), -np.ones((len(bo), 1))])]
    res = linprog(cost, A_ub=np.vstack(rows), b_ub=np.zeros(len(bi) + len(bo)),
                  A_eq=[np.hstack([np.ones(2 * m), [0.0, 0.0]])], b_eq=[1.0],
                  bounds=[(0, None)] * (2 * m) + [(None, None)] * 2, method="highs")
    if not res.success:
        raise RuntimeError(f"no position kernel: {res.message}")
    coef = res.x[:m] - res.x[m:2 * m]
    full = np.zeros((2, POSITION_PAIRS))
    full[0, pairs], full[1, pairs] = coef[:n], coef[n:]
    return full[0], full[1], float(res.x[-2]), float(res.x[-1])


def position_query_key(c: LmConfig, kernel_ab, scale: float, shift: float, rms: float) -> tuple:
    """(wq, wk), each (head_dim, hidden), reading CONST: scores scale · (Σ a_f cos(ω_f Δ) + b_f sin(ω_f Δ) + shift)
    after LWM's 1/sqrt(head_dim) at the nominal `rms`."""
    a, b = kernel_ab
    unit = KAPPA / rms  # CONST after RMSNorm
    wq, wk = torch.zeros(c.head_dim, c.hidden), torch.zeros(c.head_dim, c.hidden)
    terms = [(2 * f, complex(af, -bf)) for f, (af, bf) in enumerate(zip(a, b))]  # z = q̃ conj(k̃): Re(z e^{iωΔ})
    terms.append((FLAT, complex(shift, 0.0)))  # this pair does not turn
    for dim, z in terms:
        z *= scale * np.sqrt(c.head_dim) / unit ** 2
        r = np.sqrt(abs(z))
        if r == 0:
            continue
        wq[dim, CONST] = r
        wk[dim, CONST], wk[dim + 1, CONST] = z.real / r, -z.imag / r  # k̃ = conj(z) / r
    return wq, wk


def offset_query_key(c: LmConfig, inside, outside, rms: float) -> tuple:
    """Offsets in `inside` score ≥ +MARGIN/2, those in `outside` ≤ −MARGIN/2."""
    a, b, low, high = kernel(c, inside, outside)
    return position_query_key(c, (a, b), MARGIN / (low - high), -(low + high) / 2, rms)


# ---------------------------------------------------------------- the design

def design(model: LwmLm, sp) -> None:
    """Sets and fixes the designed parts of a fresh model (module docstring)."""
    c, hd = model.c, model.c.head_dim
    rms = [nominal_rms(layer, c.hidden) for layer in range(c.layers + 1)]
    rows = lambda h: slice(h * hd, (h + 1) * hd)  # noqa: E731
    codes = torch.from_numpy(token_codes(sp, c.vocab))
    tables(model, sp, codes, rms)
    bound_learned_writes(model)
    for (layer, h), offset in OFFSETS.items():
        wq, wk = offset_query_key(c, [offset], [d for d in range(c.max_sequence_length) if d != offset], rms[layer])
        model.blocks[layer].wq.fix(rows(h), wq)
        model.blocks[layer].wk.fix(rows(h), wk)
    for (layer, h), (src, dst) in PREVIOUS.items():
        copy_values(model.blocks[layer], rows(h), src, dst, rms[layer], learned_rest=True)
    layer, h = FRAME_HEAD
    motion = [L["vf"].start + VF_AT[name] for name in MOTION]
    copy_values(model.blocks[layer], rows(h), motion, L["prev"], vision_rms(c.hidden), learned_rest=True)
    motion_vote(model.blocks[0], vision_rms(c.hidden))
    needle_window(model, rows, rms)
    induction(model, rows, rms)
    question(model, rows, rms)
    answer(model, rows, rms)


def tables(model: LwmLm, sp, codes: torch.Tensor, rms: list) -> None:
    """The reserved columns of the embeddings and heads: CONST and the code slot of every token, SINK of the BOS,
    KW of the question words, VF of the vision codes; the text head's copied digit; vision ids that no sequence
    holds kept far below the others."""
    c, reserved = model.c, slice(0, RESERVED)
    text = torch.zeros(c.vocab, RESERVED)
    text[:, CONST], text[:, C] = KAPPA, slot(codes)
    text[sp.bos_id(), CONST], text[sp.bos_id(), C], text[sp.bos_id(), SINK] = 0.0, 0.0, RHO
    for piece, dim in KEYWORDS.items():
        token = sp.piece_to_id(piece)
        if sp.id_to_piece(token) != piece:
            raise ValueError(f"the tokenizer has no piece {piece!r}")
        text[token, L["kw"].start + dim] = text[token, KWANY] = 1.0
    model.wte.fix((slice(None), reserved), text)
    vision = torch.zeros(model.vte.free.fixed.shape[0], RESERVED)
    vision[:, CONST], vision[:, C] = KAPPA, slot(torch.zeros(1, CODE))[0]
    vision[:K.CODES, L["vf"]] = torch.from_numpy(K.features())
    model.vte.free.fix((slice(None), reserved), vision)
    model.vision_table.free.fix((slice(None), reserved), 0.0)
    untrained = torch.ones(model.vision_table.free.fixed.shape[0], dtype=torch.bool)
    untrained[TRAINED_VISION_IDS] = False
    never = torch.zeros(c.hidden)
    never[CONST] = -NEVER * rms[-1] / KAPPA  # ids no sequence holds: a logit of −NEVER, never sampled
    model.vision_table.free.fix(untrained, never)
    head = torch.zeros(c.vocab, RESERVED)
    head[:, L["o"]] = COPY * rms[-1] / RHO * codes[:, :DIGITS]
    model.lm_head.fix((slice(None), reserved), head)
    for name in ("qs", "ans"):  # the text head may read the question and the answer's features
        model.lm_head.mask[:, L[name]] = 1.0


def bound_learned_writes(model: LwmLm) -> None:
    """Learned heads and MLPs write only the learned dimensions, whose size training keeps in check
    (train_lm.excess); the norms pass the reserved dimensions at scale 1 and start the learned ones larger."""
    reserved = slice(0, RESERVED)
    for norm in [model.ln_f] + [n for blk in model.blocks for n in (blk.attention_norm, blk.ffn_norm)]:
        norm.scale.fix(reserved, 1.0)
        norm.scale.start(slice(RESERVED, None), LEARNED_SCALE)
    for blk in model.blocks:
        blk.wo.fix((reserved, slice(None)), 0.0)
        blk.w2.fix((reserved, slice(None)), 0.0)
    model.bounded[RESERVED:] = 1.0


def needle_window(model, rows, rms) -> None:
    """GATE: a ':' among the last WINDOW tokens (its code, in the first slow pair), else the window's average (~0)."""
    c, hd = model.c, model.c.head_dim
    layer, h = WINDOW_HEAD
    blk = model.blocks[layer]
    wq, wk = offset_query_key(c, range(0, WINDOW + 1), range(WINDOW + 3, c.max_sequence_length), rms[layer])
    colon = torch.zeros(c.hidden)
    colon[C.start + SPECIALS.index(":")] = rms[layer] / RHO  # ⟨code(':'), C⟩ after RMSNorm: 1 for a ':'
    gain = np.sqrt(MATCH * np.sqrt(hd))
    wq[CONTENT, CONST] = gain * rms[layer] / KAPPA
    wk[CONTENT] = gain * colon
    blk.wq.fix(rows(h), wq)
    blk.wk.fix(rows(h), wk)
    v, out = torch.zeros(hd, c.hidden), torch.zeros(c.hidden, hd)
    v[0], out[GATE, 0] = colon, 1.0
    blk.wv.fix(rows(h), v)
    blk.wo.fix((slice(None), rows(h)), out)


def induction(model, rows, rms) -> None:
    """O: +MATCH per token of the trigram, +MATCH behind a ':', −3.5 MATCH for every key but the BOS (0)."""
    c, hd = model.c, model.c.head_dim
    layer, h = INDUCTION_HEAD
    blk = model.blocks[layer]
    gain = np.sqrt(MATCH * np.sqrt(hd))
    wq, wk = torch.zeros(hd, c.hidden), torch.zeros(hd, c.hidden)
    slot_gain = gain * rms[layer] / RHO  # a slot after RMSNorm is RHO / rms
    at = CONTENT
    for query_src, key_src, n in TRIGRAM:
        dims = slice(at, at + n)
        wq[dims, query_src.start:query_src.start + n] = torch.eye(n) * slot_gain
        wk[dims, key_src.start:key_src.start + n] = torch.eye(n) * slot_gain
        at += n
    if at > FLAT:
        raise AssertionError("the trigram does not fit the slow RoPE pairs")
    wq[FLAT, CONST] = gain * rms[layer] / KAPPA
    wk[FLAT, CONST] = -3.5 * gain * rms[layer] / KAPPA
    wk[FLAT, GATE] = gain * rms[layer]
    blk.wq.fix(rows(h), wq)
    blk.wk.fix(rows(h), wk)
    copy_values(blk, rows(h), list(range(C.start, C.start + DIGITS)), L["o"], rms[layer], learned_rest=False)


def question(model, rows, rms) -> None:
    """QS: the sum of the question words' KW, weighted to the most recent question: keywords score 5 to 31 nats
    by their distance (a smooth kernel over the slower pairs), 12 more within the last QUESTION_WINDOW tokens;
    other tokens score below −5, the BOS 0."""
    c, hd = model.c, model.c.head_dim
    layer, h = QUESTION_HEAD
    blk = model.blocks[layer]
    a, b, low, high = kernel(c, range(0, QUESTION_WINDOW + 1), range(QUESTION_GAP, c.max_sequence_length),
                             QUESTION_PAIRS)
    scale = 12.0 / (low - high)
    wq, wk = position_query_key(c, (a, b), scale, -high - 19.0 / scale, rms[layer])
    q_flat = float(wq[FLAT, CONST]) * KAPPA / rms[layer]  # the query's FLAT value after RMSNorm
    wk[FLAT, KWANY] = 50.0 * np.sqrt(hd) / q_flat * rms[layer]  # a keyword's +50
    blk.wq.fix(rows(h), wq)
    blk.wk.fix(rows(h), wk)
    copy_values(blk, rows(h), L["kw"], L["qs"], rms[layer], learned_rest=False)


def answer(model, rows, rms) -> None:
    """ANS: the colour, shape and motion vote of the object patches, the more so of those of the asked shape and
    colour: objects +6 nats, +30 × the QS weight of their shape and of their colour, everything else −10, BOS 0."""
    c, hd = model.c, model.c.head_dim
    layer, h = ANSWER_HEAD
    blk = model.blocks[layer]
    vrms, qrms = vision_rms(c.hidden), rms[layer]
    root = np.sqrt(np.sqrt(hd))
    wq, wk = torch.zeros(hd, c.hidden), torch.zeros(hd, c.hidden)
    wq[FLAT, CONST] = root * qrms / KAPPA  # 1·root after RMSNorm
    wk[FLAT, L["vf"].start + VF_AT["object"]] = 16.0 * root * vrms  # objects +16
    wk[FLAT, CONST] = -10.0 * root * vrms / KAPPA  # everything with CONST −10
    vf = L["vf"].start
    for i, dim in enumerate(list(range(4, 7)) + list(range(7, 13))):  # QS's shapes and colours
        at = CONTENT + i
        feature = vf + 1 + i  # the VF shape dims follow 'object', then the colour dims
        wq[at, L["qs"].start + dim] = root * qrms
        wk[at, feature] = 30.0 * root * vrms
    blk.wq.fix(rows(h), wq)
    blk.wk.fix(rows(h), wk)
    sources = [vf + VF_AT[col] for col in world.COLORS] + [vf + VF_AT[s] for s in world.SHAPES] + \
        list(range(L["vote"].start, L["vote"].stop))
    gains = torch.tensor([1.0] * 9 + [MOTION_GAIN] * 2)
    copy_values(blk, rows(h), sources, L["ans"], vrms, learned_rest=False, gains=gains)


def motion_vote(blk, rms: float, big: float = 8.0) -> None:
    """The first MLP's units 0–11 write VOTE = cover·n − cover'·n + cover·n' − cover'·n' per axis (' = the same patch
    a frame earlier, from PREV): the coverage change times the outward normal of whichever frame has the edge."""
    vf, prev = L["vf"].start, L["prev"].start
    at = lambda name: vf + VF_AT[name]  # noqa: E731
    was = lambda name: prev + MOTION.index(name)  # noqa: E731
    m = big * rms  # CONST's coefficient: silu's argument is `big` plus the product's term
    unit = 0
    for axis, (n_now, cn_now) in enumerate((("nx", "cover_nx"), ("ny", "cover_ny"))):
        out = L["vote"].start + axis
        # linear terms: +cover·n now, −cover'·n' then, as silu(big)·x / big
        for src, sign in ((at(cn_now), 1.0), (was(cn_now), -1.0)):
            set_unit(blk, unit, {CONST: m / KAPPA}, {src: 1.0}, out, sign * rms ** 2 / (m * (1 - 1 / (1 + np.exp(big)))))
            unit += 1
        # products: −cover'·n (now's normal, then's coverage) and +cover·n' (then's normal, now's coverage)
        for u, v, sign in ((was("cover"), at(n_now), -1.0), (at("cover"), was(n_now), 1.0)):
            s = m  # the product's scale inside silu
            set_unit(blk, unit, {CONST: m / KAPPA, u: s}, {v: 1.0}, out, sign * rms ** 2 / s)
            set_unit(blk, unit + 1, {CONST: m / KAPPA}, {v: 1.0}, out, -sign * rms ** 2 / s)
            unit += 2


def set_unit(blk, unit: int, gate: dict, up: dict, out: int, weight: float) -> None:
    """Fixes MLP unit `unit`: silu(Σ gate) · (Σ up), written into residual dimension `out` with `weight`."""
    w1, w3 = torch.zeros(blk.w1.fixed.shape[1]), torch.zeros(blk.w3.fixed.shape[1])
    for dim, value in gate.items():
        w1[dim] = value
    for dim, value in up.items():
        w3[dim] = value
    blk.w1.fix(unit, w1)
    blk.w3.fix(unit, w3)
    column = torch.zeros(blk.w2.fixed.shape[0])
    column[out] = weight
    blk.w2.fix((slice(None), unit), column)


def copy_values(blk, rows: slice, src, dst: slice, rms: float, learned_rest: bool, gains=None) -> None:
    """The head's first value dimensions carry `src` (a slice or dimension list, after RMSNorm) and its output writes
    them, times the nominal RMS (and `gains`), into `dst`; its other value dimensions are learned (writing only
    learned dimensions) or zero."""
    src = list(range(src.start, src.stop)) if isinstance(src, slice) else list(src)
    n = len(src)
    v = torch.zeros(n, blk.wv.fixed.shape[1])
    v[torch.arange(n), src] = 1.0
    blk.wv.fix(slice(rows.start, rows.start + n), v)
    out = torch.zeros(blk.wo.fixed.shape[0], n)
    out[dst] = torch.diag(gains if gains is not None else torch.ones(n)) * rms
    blk.wo.fix((slice(None), slice(rows.start, rows.start + n)), out)
    if not learned_rest:
        blk.wv.fix(slice(rows.start + n, rows.stop), 0.0)
        blk.wo.fix((slice(None), slice(rows.start + n, rows.stop)), 0.0)
