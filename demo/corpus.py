"""The demo model's text: questions and answers about the world, captions, simple sentences about scenes, and
haystack prose (generated from word lists, seeded) for needle retrieval.

Question and answer wording lives here so the training data, the evaluation and the end-to-end tests agree on it.
"""
from __future__ import annotations

import numpy as np

from world import COLORS, DIRECTIONS, SHAPES, STILL, Scene

SYSTEM = "You are a helpful assistant."
NUMBER_WORDS = {1: "one", 2: "two", 3: "three"}

# ---------------------------------------------------------------- questions about a scene

def color_question(rng, kind: str, single: bool) -> str:
    forms = [f"What color is the {kind}?", f"What colour is the {kind}?", f"What is the color of the {kind}?",
             f"Which color is the {kind}?"]
    if single:
        forms += ["What color is it?", "What color is the object?"]
    return forms[0] if rng.random() < 0.6 else str(rng.choice(forms))


# Answers are short and lead with what was asked: the deciding word is the first one the model writes.
def color_answer(color: str) -> str:
    return f"{color.capitalize()}."


def shape_question(rng, single: bool, color: str | None = None) -> str:
    if single:
        forms = ["What shape is it?", "What shape is the object?", "Which shape is it?", "What shape do you see?"]
        return forms[0] if rng.random() < 0.6 else str(rng.choice(forms))
    return f"What shape is the {color} object?"


def shape_answer(kind: str) -> str:
    return f"A {kind}."


def shapes_answer(scene: Scene) -> str:
    """'What shape is it?' about several objects: every object, in reading order."""
    parts = [f"a {s.color} {s.kind}" for s in sorted(scene.shapes, key=lambda s: (s.cy, s.cx))]
    return (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]).capitalize() + "."


def count_question(rng) -> str:
    forms = ["How many objects are there?", "How many shapes are there?", "How many objects do you see?",
             "Count the objects."]
    return forms[0] if rng.random() < 0.6 else str(rng.choice(forms))


def count_answer(n: int) -> str:
    return f"{NUMBER_WORDS[n].capitalize()} object{'s' if n > 1 else ''}."


def direction_question(rng, kind: str, single: bool) -> str:
    forms = [f"Which way does the {kind} move?", f"In which direction does the {kind} move?",
             f"Where is the {kind} moving?"]
    if single:
        forms += ["Which way does it move?"]
    return forms[0] if rng.random() < 0.6 else str(rng.choice(forms))


def direction_answer(direction: str) -> str:
    return "It does not move." if direction == STILL else f"{direction.capitalize()}."


# ---------------------------------------------------------------- captions for generation

def caption(rng, scene: Scene, video: bool) -> str:
    """'a red circle', 'a red circle on a gray background', 'a red circle moving left', ..."""
    parts = []
    for s in scene.shapes:
        p = f"a {s.color} {s.kind}"
        if video and s.direction != STILL:
            p += f" moving {s.direction}"
        parts.append(p)
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    if rng.random() < 0.3:
        text += f" on a {scene.background} background"
    return text


def image_prompt(caption_text: str) -> str:
    """LWM's text-to-image prompt after the BOS (reference/lwm.md §4.1)."""
    return f"{SYSTEM} USER: Generate an image of {caption_text} ASSISTANT: <vision>"


def video_prompt(caption_text: str) -> str:
    return f"{SYSTEM} USER: Generate a video of {caption_text} ASSISTANT: <vision>"


UNCONDITIONAL_PROMPT = "<vision>"

# ---------------------------------------------------------------- needles (LWM's eval_needle.py wording, §5.2)

CITIES = (
    "Chicago", "Yangon", "Antananarivo", "Colombo", "Almaty", "Sydney", "Mexico City", "Seattle", "Lagos",
    "Amsterdam", "Belgrade", "Cairo", "Baghdad", "Damascus", "Kigali", "Dakar", "Sofia", "Victoria", "Tashkent",
    "Mumbai", "Barcelona", "Kinshasa", "Rabat", "Caracas", "Lima", "Quito", "Havana", "Tunis", "Accra", "Nairobi",
    "Kabul", "Tehran", "Riyadh", "Doha", "Dubai", "Muscat", "Karachi", "Lahore", "Dhaka", "Kathmandu", "Hanoi",
    "Bangkok", "Manila", "Jakarta", "Singapore", "Seoul", "Tokyo", "Osaka", "Beijing", "Shanghai", "Taipei",
    "Ulaanbaatar", "Moscow", "Kyiv", "Warsaw", "Prague", "Vienna", "Budapest", "Bucharest", "Athens", "Istanbul",
    "Rome", "Milan", "Madrid", "Lisbon", "Paris", "London", "Dublin", "Oslo", "Stockholm", "Helsinki",
    "Copenhagen", "Berlin", "Munich", "Zurich", "Brussels", "Montreal", "Toronto", "Vancouver", "Boston",
    "New York", "Miami", "Houston", "Denver", "Phoenix", "Los Angeles", "San Francisco", "Bogota", "Santiago",
    "Buenos Aires", "Montevideo", "Asuncion", "La Paz", "Brasilia", "Rio de Janeiro", "Sao Paulo", "Auckland",
    "Perth", "Melbourne", "Cape Town", "Addis Ababa",
)


def needle(city: str, number: int) -> str:
    return f"\nThe special magic {city} number is: {number}\n"


def needle_question(city: str) -> str:
    return f"What is the special magic {city} number?"


def needle_prompt(context: str, question: str) -> str:
    return (f"{SYSTEM} USER: {context} {question} Don't give information outside the document or repeat your "
            f"findings. Keep your response short and direct. ASSISTANT: ")


def needle_answer(city: str, number: int) -> str:
    return f"The special magic {city} number is: {number}."


# ---------------------------------------------------------------- sentences about the world

def world_sentence(rng) -> str:
    c, k = str(rng.choice(COLORS)), str(rng.choice(SHAPES))
    c2, k2 = str(rng.choice(COLORS)), str(rng.choice(SHAPES))
    d = str(rng.choice(DIRECTIONS))
    forms = [
        f"The {c} {k} moves {d}.", f"A {c} {k} is next to a {c2} {k2}.", f"There is a {c} {k} in the picture.",
        f"The {k} is {c}.", f"A {k} can be {c}, or it can be {c2}.", f"The {c} {k} does not move.",
        f"In this world there are circles, squares and triangles.",
        f"Every shape has one color: red, green, blue, yellow, white or black.",
        f"The {c} {k} slides to the {d}." if d in ("left", "right") else f"The {c} {k} moves {d} the frame.",
        f"I see a {c} {k} and a {c2} {k2}.", f"A square has four corners and a triangle has three.",
        f"A circle is round and has no corners.",
    ]
    return str(rng.choice(forms))


# ---------------------------------------------------------------- haystack prose

_SUBJECTS = ("the old sailor", "a young doctor", "my neighbour", "the little girl", "our teacher", "the farmer",
             "a tired student", "the quiet librarian", "her brother", "the mayor", "a curious cat", "the pilot",
             "the committee", "every child", "the gardener", "the baker", "a stranger", "the painter",
             "the fisherman", "the old woman", "the twins", "the captain", "his grandmother", "the musician",
             "a traveller", "the shopkeeper", "the poet", "the engineer", "the soldiers", "the villagers")
_VERBS = ("found", "painted", "carried", "described", "remembered", "opened", "watched", "counted", "repaired",
          "wrote about", "looked for", "talked about", "measured", "cooked", "explained", "followed", "sold",
          "borrowed", "forgot", "discovered", "cleaned", "built", "lost", "hid", "admired", "noticed", "studied",
          "planted", "climbed", "crossed")
_OBJECTS = ("a blue umbrella", "the broken window", "three red apples", "an ancient map", "the long letter",
            "a wooden boat", "the heavy suitcase", "seven small stones", "the morning newspaper", "a silver key",
            "the last train", "an empty bottle", "the garden gate", "a strange noise", "the old bridge",
            "a basket of bread", "the church bell", "a pair of boots", "the village well", "a box of candles",
            "the mountain path", "a torn sail", "the iron stove", "a jar of honey", "the narrow street",
            "a bundle of letters", "the stone wall", "a lantern", "the orchard", "the wide river")
_PLACES = ("in the kitchen", "near the river", "at the station", "under the bridge", "behind the school",
           "in a small village", "on the highest hill", "at the market", "inside the museum", "by the sea",
           "in the forest", "at the harbour", "on the farm", "in the library", "across the valley",
           "beside the lake", "in the old town", "at the edge of the field", "on the island", "in the cellar")
_TIMES = ("yesterday", "last winter", "early in the morning", "after dinner", "on Monday", "before the storm",
          "during the summer", "every Sunday", "at midnight", "in the spring", "long ago", "at dawn",
          "in the evening", "after the harvest", "before the war", "on a cold night")
_ADVERBS = ("slowly", "carefully", "quickly", "happily", "quietly", "suddenly", "finally", "again", "gently",
            "patiently", "proudly", "nervously")
_CLAUSES = ("because the weather had changed", "while the wind was blowing", "although nobody asked",
            "as the sun went down", "when the bells began to ring", "before anyone noticed",
            "since the road was closed", "until the rain stopped", "so that everyone could see",
            "as if nothing had happened")
_REFLECTIONS = (
    "It was a quiet time, and the days were long.", "Nobody in the village could remember such a year.",
    "The stories they told were simple, but people listened.", "Work was hard, and rest was short.",
    "Some said it would rain for a week.", "The children ran to the end of the road and back.",
    "Later, they would talk about it for years.", "In the end, the answer was simple.",
    "The town grew slowly around the old square.", "Each season brought its own work and its own songs.",
)


def prose_sentence(rng) -> str:
    r = rng.random()
    pick = lambda seq: str(rng.choice(seq))  # noqa: E731
    if r < 0.15:
        return pick(_REFLECTIONS)
    s = f"{pick(_SUBJECTS)} {pick(_ADVERBS) + ' ' if rng.random() < 0.3 else ''}{pick(_VERBS)} {pick(_OBJECTS)}"
    if rng.random() < 0.7:
        s += f" {pick(_PLACES)}"
    if rng.random() < 0.5:
        s += f" {pick(_TIMES)}"
    if rng.random() < 0.3:
        s += f" {pick(_CLAUSES)}"
    if rng.random() < 0.08:
        s += f" in {int(rng.integers(1700, 2024))}"
    return s[0].upper() + s[1:] + "."


def prose(rng, sentences: int) -> str:
    """Paragraphs of 3–7 sentences."""
    out, para = [], []
    for _ in range(sentences):
        para.append(prose_sentence(rng))
        if len(para) >= int(rng.integers(3, 8)):
            out.append(" ".join(para))
            para = []
    if para:
        out.append(" ".join(para))
    return "\n\n".join(out)
