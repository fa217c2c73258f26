"""Index the SQuAD v1.1 dev paragraphs with Python BM25 peers and answer every question
single-threaded, printing one JSON object per system: top-1, top-5, queries/s.

Used by scripts/bench-peers.sh, which runs newsdesk on the same data in the same run.
The peers are configured as in the reference figures of ../shared/bench/README.md.
"""

import json
import sys
import time


def load(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)["data"]
    paragraphs, questions = [], []
    for article in data:
        for paragraph in article["paragraphs"]:
            pid = len(paragraphs)
            paragraphs.append(paragraph["context"])
            for qa in paragraph["qas"]:
                questions.append((qa["question"], pid))
    return paragraphs, questions


def score(name, ranked_lists, questions, seconds):
    top1 = sum(1 for ranked, (_, gold) in zip(ranked_lists, questions) if ranked[:1] == [gold])
    top5 = sum(1 for ranked, (_, gold) in zip(ranked_lists, questions) if gold in ranked[:5])
    n = len(questions)
    print(json.dumps({"system": name, "top1": top1 / n, "top5": top5 / n, "queries_per_second": n / seconds}))
    sys.stdout.flush()


def bench_bm25s(paragraphs, questions):
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25(k1=1.5, b=0.75)
    retriever.index(bm25s.tokenize(paragraphs, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    # bm25s at its best: all questions tokenised and retrieved as one batch, on one
    # thread (per-question calls are several times slower).
    started = time.perf_counter()
    tokens = bm25s.tokenize([q for q, _ in questions], stopwords="en", stemmer=stemmer, show_progress=False)
    docs, _ = retriever.retrieve(tokens, k=5, show_progress=False, n_threads=1)
    ranked = [[int(d) for d in row] for row in docs]
    score("bm25s", ranked, questions, time.perf_counter() - started)


def bench_tantivy(paragraphs, questions):
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
    builder.add_integer_field("pid", stored=True)
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(heap_size=100_000_000, num_threads=1)
    for pid, text in enumerate(paragraphs):
        writer.add_document(tantivy.Document(body=text, pid=pid))
    writer.commit()
    index.reload()
    searcher = index.searcher()
    started = time.perf_counter()
    ranked = []
    for question, _ in questions:
        # The lenient parser, OR of the question's words, as the reference figures used.
        query, _errors = index.parse_query_lenient(question, ["body"])
        hits = searcher.search(query, 5).hits
        ranked.append([searcher.doc(address)["pid"][0] for _, address in hits])
    score("tantivy-py", ranked, questions, time.perf_counter() - started)


if __name__ == "__main__":
    paragraphs, questions = load(sys.argv[1])
    bench_bm25s(paragraphs, questions)
    bench_tantivy(paragraphs, questions)
