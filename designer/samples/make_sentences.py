"""Writes sentences.csv: short labelled sentences for the text-classification sample.

The sentences are written for Pipewright from the templates and word lists below (no outside
source); they and this script are released under CC0 1.0 (public domain dedication).
Run: python3 designer/samples/make_sentences.py > designer/samples/data/sentences.csv
"""

import csv
import random
import sys

TOPICS = {
    "sports": (
        ["The team", "Our striker", "The coach", "The goalkeeper", "The home side", "The captain", "The young runner"],
        [
            "won the match",
            "scored twice in the second half",
            "trained hard before the final",
            "missed a penalty",
            "broke the league record",
            "celebrated the championship",
            "lost on penalties",
            "signed a new contract",
        ],
        [
            "after a tense game",
            "in front of a loud stadium",
            "at the tournament",
            "during the season",
            "against their old rivals",
            "with a late goal",
            "in extra time",
            "this weekend",
        ],
    ),
    "weather": (
        ["Heavy rain", "A cold front", "The storm", "Strong wind", "Morning fog", "Thick snow", "The heatwave"],
        [
            "is expected across the north",
            "brought flooding to the valley",
            "will clear by the afternoon",
            "closed several mountain roads",
            "pushed temperatures below freezing",
            "made the sky dark and grey",
            "kept the forecast uncertain",
            "left puddles on every street",
        ],
        [
            "tonight",
            "this weekend",
            "according to the forecast",
            "along the coast",
            "over the hills",
            "for the rest of the week",
            "before sunrise",
            "in the city",
        ],
    ),
    "food": (
        ["The chef", "My grandmother", "The bakery", "This recipe", "The new restaurant", "Our neighbour", "The cook"],
        [
            "baked fresh bread with garlic",
            "served a spicy tomato soup",
            "roasted vegetables with olive oil",
            "made a chocolate cake",
            "grilled fish with lemon",
            "cooked rice with beans and herbs",
            "prepared a sweet apple pie",
            "simmered the sauce for hours",
        ],
        [
            "for dinner",
            "on a busy evening",
            "with a pinch of salt",
            "for the whole family",
            "in the oven",
            "at lunch",
            "with butter and cream",
            "this weekend",
        ],
    ),
    "technology": (
        [
            "The new phone",
            "The software update",
            "Our laptop",
            "The startup",
            "The search engine",
            "The database server",
            "The app",
        ],
        [
            "crashed after the upgrade",
            "runs faster with the new processor",
            "added support for wireless charging",
            "fixed a security bug",
            "stores files in the cloud",
            "released a smaller battery-saving mode",
            "needs more memory to compile code",
            "improved the camera software",
        ],
        [
            "this week",
            "for most users",
            "according to the developers",
            "on every device",
            "after the release",
            "in the latest version",
            "with a simple setting",
            "at the conference",
        ],
    ),
}


def main() -> None:
    rng = random.Random(7)
    rows = []
    for label, (subjects, verbs, tails) in TOPICS.items():
        seen = set()
        while len(seen) < 80:
            seen.add(f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(tails)}.")
        rows += [(text, label) for text in sorted(seen)]
    rng.shuffle(rows)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["text", "label"])
    out.writerows(rows)


if __name__ == "__main__":
    main()
