#!/usr/bin/env python3
"""Writes src/retrieve/english_words.txt, the background word frequencies that tell
how common a word is in English at large (see src/retrieve/specific.rs).

Source: SymSpell's frequency_dictionary_en_82_765.txt (MIT License, Wolf Garbe;
counts from the Google Books Ngram data), as shipped in the symspellpy wheel:

    pip download --no-deps symspellpy==6.9.0 -d /tmp/wheel
    python3 scripts/background_words.py /tmp/wheel/symspellpy-6.9.0-py3-none-any.whl

Keeps the WORDS most frequent words, each with its frequency as a share of all
counted words, in tenths of a decade: round(-10 * log10(share)).
"""
import math
import sys
import zipfile

WORDS = 30_000
MEMBER = "symspellpy/frequency_dictionary_en_82_765.txt"


def main() -> None:
    with zipfile.ZipFile(sys.argv[1]) as wheel:
        lines = wheel.read(MEMBER).decode("utf-8").split("\n")
    counts = []
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[0].isalpha():
            counts.append((parts[0], int(parts[1])))
    total = sum(c for _, c in counts)
    counts.sort(key=lambda wc: -wc[1])
    out = [
        "# English word frequencies: word, then -10*log10(its share of all words).",
        "# From SymSpell's frequency_dictionary_en_82_765.txt (MIT License, (c) 2021",
        "# Wolf Garbe; counts from the Google Books Ngram data), the most frequent",
        f"# {WORDS} words. Written by scripts/background_words.py.",
    ]
    for word, count in counts[:WORDS]:
        out.append(f"{word} {round(-10 * math.log10(count / total))}")
    with open("src/retrieve/english_words.txt", "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
