"""Fixture tokenizer: a tiny LLaMA-style SentencePiece BPE model and its golden tokenizations."""
from __future__ import annotations

import io
import os
import random

import sentencepiece as spm

VOCAB_SIZE = 512
UNK_ID, BOS_ID, EOS_ID, PAD_ID = 0, 1, 2, -1

# Trainer settings mirroring LLaMA-2's tokenizer.model (BPE, byte fallback, identity normalizer,
# dummy prefix, no whitespace collapsing, split digits, whitespace-only pieces allowed).
TRAINER_ARGS = dict(
    model_type="bpe",
    vocab_size=VOCAB_SIZE,
    byte_fallback=True,
    character_coverage=1.0,
    unk_id=UNK_ID,
    bos_id=BOS_ID,
    eos_id=EOS_ID,
    pad_id=PAD_ID,
    add_dummy_prefix=True,
    remove_extra_whitespaces=False,
    normalization_rule_name="identity",
    split_digits=True,
    allow_whitespace_only_pieces=True,
    max_sentence_length=4192,
    input_sentence_size=0,
    shuffle_input_sentence=False,
    num_threads=1,
    minloglevel=2,
)

_SUBJECTS = [
    "the old sailor", "a young doctor", "my neighbour", "the little girl", "our teacher", "the farmer",
    "a tired student", "the quiet librarian", "her brother", "the robot", "a curious cat", "the pilot",
    "the committee", "every child", "the model", "the assistant", "the user", "a stranger", "the baker",
]
_VERBS = [
    "found", "painted", "carried", "described", "remembered", "opened", "watched", "counted", "repaired",
    "wrote about", "looked for", "talked about", "measured", "cooked", "explained", "followed", "sold",
]
_OBJECTS = [
    "a blue umbrella", "the broken window", "three red apples", "an ancient map", "the long letter",
    "a wooden boat", "the heavy suitcase", "seven small stones", "the morning newspaper", "a silver key",
    "the last train", "an empty bottle", "the garden gate", "a strange noise", "the final answer",
    "a video of the ocean", "an image of a mountain", "the weather report", "the price of bread",
]
_PLACES = [
    "in the kitchen", "near the river", "at the station", "under the bridge", "behind the school",
    "in a small village", "on the highest hill", "at the market", "inside the museum", "by the sea",
    "in Paris", "in Zürich", "in São Paulo", "in Kraków", "in Málaga", "in Reykjavík",
]
_TIMES = [
    "yesterday", "last winter", "early this morning", "after dinner", "in 1987", "on Monday",
    "at 7:45", "before the storm", "during the summer of 2021", "every Sunday", "at midnight",
]
_ADVERBS = ["slowly", "carefully", "quickly", "happily", "quietly", "suddenly", "finally", "again"]
_QUESTIONS = [
    "What is 2+2?", "Where is the nearest station?", "Can you describe this image?",
    "How many apples are left?", "What happens in the video?", "Why is the sky blue?",
    "Who wrote this letter?", "What time is it in Tokyo?", "How far is 42 km in miles?",
    "Summarize the story in one sentence.", "What color is the umbrella?",
]
_ANSWERS = [
    "The answer is 4.", "It is about 26 miles.", "The sky looks blue because of scattering.",
    "There are 3 apples left.", "A cat walks across a wooden table.", "I am not sure.",
    "The station is 500 meters away.", "It is 9:30 in the evening.", "The umbrella is blue.",
]
_CODE = [
    "return x + 1", "if count > 10:", "for item in items:", "print(total)", "value = value * 2",
    "while True:", "break", "def answer(question):", "else:", "result.append(item)",
]
# Non-ASCII text that must be in the vocabulary (character_coverage=1.0 gives each character a piece).
# Emoji and CJK are deliberately absent: they exercise byte fallback in the golden cases.
_NON_ASCII = [
    "The café served crème brûlée and a naïve rosé.",
    "Señor Muñoz visited Zürich, Genève and Köln.",
    "Her résumé mentions a façade in Málaga — très élégant.",
    "Smörgåsbord, jalapeño and piñata are borrowed words.",
    "It costs 12 € or £10, about ¥1500.",
    "« Bonjour », dit-il, « ça va ? »",
]


def build_corpus(seed: int = 20240214) -> list[str]:
    """Deterministic English-like training text (one sentence per line)."""
    rng = random.Random(seed)
    lines: list[str] = []
    for _ in range(420):
        kind = rng.random()
        if kind < 0.55:
            s = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_PLACES)}"
            if rng.random() < 0.5:
                s += f" {rng.choice(_TIMES)}"
            if rng.random() < 0.3:
                s = f"{rng.choice(_ADVERBS)}, {s}"
            s = s[0].upper() + s[1:] + rng.choice([".", ".", ".", "!", "?"])
        elif kind < 0.75:
            s = (f"You are a helpful assistant. USER: {rng.choice(_QUESTIONS)} "
                 f"ASSISTANT: {rng.choice(_ANSWERS)}")
        elif kind < 0.85:
            s = (f"USER: <vision> {rng.choice(_QUESTIONS)} </vision> ASSISTANT: "
                 f"{rng.choice(_ANSWERS)}")
        elif kind < 0.89:
            a, b = rng.randint(0, 9999), rng.randint(0, 999)
            s = f"Order {a} costs {b}.{rng.randint(0, 99):02d} dollars, item #{rng.randint(1, 64)} of {a + b}."
        elif kind < 0.95:
            # Indented code-like lines: runs of spaces become whitespace-only pieces (like LLaMA's "▁▁▁▁").
            depth = rng.choice([2, 4, 4, 8])
            s = " " * depth + rng.choice(_CODE) + ("  # " + rng.choice(_ADVERBS) if rng.random() < 0.3 else "")
        else:
            s = rng.choice(_NON_ASCII)
        lines.append(s)
    # Make sure every non-ASCII sentence occurs at least once.
    lines.extend(_NON_ASCII)
    return lines


def train(out_dir: str) -> spm.SentencePieceProcessor:
    """Trains the model, writes out_dir/tokenizer.model and out_dir/corpus.txt."""
    os.makedirs(out_dir, exist_ok=True)
    lines = build_corpus()
    with open(os.path.join(out_dir, "corpus.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    buf = io.BytesIO()
    # sentence_iterator keeps the (temporary) corpus path out of the model proto -> byte-deterministic output.
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=buf, **TRAINER_ARGS)
    model = buf.getvalue()
    with open(os.path.join(out_dir, "tokenizer.model"), "wb") as f:
        f.write(model)
    sp = spm.SentencePieceProcessor(model_proto=model)
    assert sp.vocab_size() == VOCAB_SIZE, sp.vocab_size()
    assert (sp.unk_id(), sp.bos_id(), sp.eos_id(), sp.pad_id()) == (UNK_ID, BOS_ID, EOS_ID, PAD_ID)
    return sp


GOLDEN_TEXTS = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    "\n",
    "line one\nline two\n",
    "  two leading spaces",
    "trailing spaces   ",
    "multiple    spaces   between  words",
    " ",
    "   ",
    "\t tab and space",
    "12345 and 3.14159 and 2024-06-01",
    "Emoji 😀 here 👍🏽",
    "中文字符",
    "日本語のテキストです",
    "The café in Zürich — très élégant.",
    "Ωμέγα and Привет",
    " ASSISTANT:",
    "ASSISTANT: ",
    "<vision>",
    "</vision>",
    "<s>",
    "You are a helpful assistant. USER: What is 2+2? ASSISTANT:",
    "You are a helpful assistant. USER: Describe the video.\n",
    "",
]


def golden(sp: spm.SentencePieceProcessor) -> dict:
    cases = []
    for text in GOLDEN_TEXTS:
        ids = sp.encode(text)  # no BOS/EOS (encode adds none unless asked)
        pieces = [sp.id_to_piece(i) for i in ids]
        assert pieces == sp.encode(text, out_type=str)
        cases.append({"text": text, "ids": ids, "pieces": pieces, "decoded": sp.decode(ids)})
    return {
        "vocab_size": sp.vocab_size(),
        "unk_id": sp.unk_id(), "bos_id": sp.bos_id(), "eos_id": sp.eos_id(), "pad_id": sp.pad_id(),
        "cases": cases,
    }
