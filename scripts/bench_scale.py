"""Scale run for scripts/bench-scale.sh: news-22k, then the same articles copied under
new ids until the index holds at least a million passages.

For each corpus it prints index time, articles/s, index size, question latency
p50/p99 (1,000 titles reworded as questions, one thread, against the index on disk),
peak RSS while answering, cold start to the first answer, and for the big corpus the
peak RSS of `newsdesk serve` answering through a fake Bot API on loopback.

Usage: python3 scripts/bench_scale.py NEWS_JSONL WORK_DIR [MIN_PASSAGES]
"""

import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

NEWSDESK = os.path.abspath(os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release/newsdesk"))
NEWS = None
FAKE_BOT_API = os.path.abspath("scripts/fake_bot_api.py")
QUESTIONS = 1000
TEMPLATES = {
    "en": ["What happened with {}?", "What is the news about {}?", "Tell me about {}", "What was reported on {}?"],
    "uk": ["Що відомо про {}?", "Що писали про {}?", "Розкажи про {}"],
}


def run_measured(args, env=None):
    """Runs a command to completion; returns (seconds, peak RSS in MB, stdout, stderr)."""
    out_path, err_path = "/tmp/newsdesk-bench.out", "/tmp/newsdesk-bench.err"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    stdout, stderr = open(out_path).read(), open(err_path).read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(args)} failed:\n{stderr}")
    return seconds, usage.ru_maxrss / 1024, stdout, stderr


def questions_from(articles, path):
    """Titles reworded as questions: lowercased, a word dropped from long ones, put in
    a question template of the article's language."""
    rng = random.Random(22)
    titled = [a for a in articles if len(re.findall(r"\w+", a["title"])) >= 3]
    with open(path, "w", encoding="utf-8") as f:
        for article in rng.sample(titled, QUESTIONS):
            words = article["title"].lower().split()
            if len(words) >= 5:
                del words[rng.randrange(len(words))]
            template = rng.choice(TEMPLATES.get(article["lang"], TEMPLATES["en"]))
            question = template.format(" ".join(words))
            f.write(json.dumps({"question": question, "article": article["id"]}, ensure_ascii=False) + "\n")
    return path


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
UK_LOCATIVE = ["січні", "лютому", "березні", "квітні", "травні", "червні", "липні", "серпні", "вересні",
               "жовтні", "листопаді", "грудні"]


def filtered_questions_from(path, out):
    """The same questions, each with a window or an outlet its article passes, as
    people add them: "on March 3, 1987", "in March 1987", "у 2016 році",
    "source:bbc", "since:1987-03-01", "between March 1 and 15, 1987"; every result
    must be inside it (checked as the filter precision)."""
    import calendar
    import datetime as dt
    rng = random.Random(23)
    articles = {a["id"]: a for a in (json.loads(l) for l in open(NEWS, encoding="utf-8"))}
    with open(out, "w", encoding="utf-8") as f:
        for line in open(path, encoding="utf-8"):
            row = json.loads(line)
            article = articles[row["article"]]
            q = row["question"]
            date = article.get("date")
            if article.get("lang") == "uk" and date:
                year = int(date[:4])
                text, since, until, sources = rng.choice([
                    (f"{q} у {year} році", f"{year}-01-01", f"{year}-12-31", []),
                    (f"{q} {year} року", f"{year}-01-01", f"{year}-12-31", []),
                    (f"{q} source:\"{article['source']}\"", None, None, [article["source"]]),
                ])
            elif date:
                d = dt.date.fromisoformat(date)
                last = calendar.monthrange(d.year, d.month)[1]
                lo, hi = max(1, d.day - 2), min(last, d.day + 2)
                text, since, until, sources = rng.choice([
                    (f"{q} on {MONTHS[d.month - 1]} {d.day}, {d.year}", date, date, []),
                    (f"{q} in {MONTHS[d.month - 1]} {d.year}", f"{d:%Y-%m}-01", f"{d:%Y-%m}-{last:02}", []),
                    (f"{q} у {UK_LOCATIVE[d.month - 1]} {d.year} року", f"{d:%Y-%m}-01", f"{d:%Y-%m}-{last:02}", []),
                    (f"{q} since:{date}", date, None, []),
                    (f"{q} between {MONTHS[d.month - 1]} {lo} and {hi}, {d.year}", f"{d:%Y-%m}-{lo:02}",
                     f"{d:%Y-%m}-{hi:02}", []),
                    (f"{q} source:reuters on:{date}", date, date, ["Reuters"]),
                ])
            else:
                text, since, until, sources = (f"{q} source:bbc", None, None, [article["source"]])
            row = {"question": text, "article": row["article"]}
            row.update({k: v for k, v in (("since", since), ("until", until), ("sources", sources)) if v})
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return out


def index(corpus, index_dir):
    seconds, rss, _, stderr = run_measured([NEWSDESK, "index", "--corpus", corpus, "--index", index_dir])
    line = next(l for l in stderr.splitlines() if l.startswith("indexed "))
    articles, passages = map(int, re.match(r"indexed (\d+) articles \((\d+) passages\)", line).groups())
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(index_dir) for f in fs)
    return {"articles": articles, "passages": passages, "index_seconds": seconds,
            "articles_per_second": articles / seconds, "index_mb": size / 1e6, "index_rss_mb": rss}


def answer(corpus, index_dir, questions, prefix=""):
    _, rss, stdout, _ = run_measured([NEWSDESK, "eval", "--questions", questions, "--corpus", corpus,
                                      "--index", index_dir, "--depth", "3", "--json"])
    m = json.loads(stdout)
    row = {"p50_ms": m["latency_p50_ms"], "p99_ms": m["latency_p99_ms"],
           "answers_per_second": m["queries_per_second"], "top1": m["top1"], "answer_rss_mb": rss}
    if m.get("filtered_questions"):
        row["filter_precision"] = m["filter_precision"]
    return {prefix + k: v for k, v in row.items()}


def drop_page_cache():
    """Empties the kernel's page cache (needs root); False when not allowed."""
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def cold_start(corpus, index_dir, question):
    """Process start to first answer with the index on disk, median of 5: with the
    index in the page cache (a restart), and with the page cache emptied first (a
    reboot; only when allowed to empty it)."""
    ask = [NEWSDESK, "ask", "--corpus", corpus, "--index", index_dir, "--json", question]
    row = {}
    for name, drop in (("cold_start_warm_cache_s", False), ("cold_start_empty_cache_s", True)):
        times = []
        for _ in range(5):
            if drop and not drop_page_cache():
                break
            seconds, _, stdout, _ = run_measured(ask)
            assert json.loads(stdout)["answered"], stdout
            times.append(seconds)
        if times:
            row[name] = statistics.median(times)
    return row


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_rss(corpus, index_dir, questions, data_dir, count=300, timeout=300):
    """Peak RSS of `newsdesk serve` answering `count` questions sent through a fake Bot
    API on loopback, and the wall time they took."""
    port = free_port()
    fake = subprocess.Popen([sys.executable, FAKE_BOT_API, str(port)])
    env = dict(os.environ, TELOXIDE_TOKEN="123456:bench-token-bench-token-bench-token",
               TELOXIDE_API_URL=f"http://127.0.0.1:{port}/", NEWSDESK_CORPUS=corpus, NEWSDESK_INDEX=index_dir,
               NEWSDESK_DATA=data_dir, NEWSDESK_HTTP_ADDR="127.0.0.1:0", NEWSDESK_RATE_LIMIT="1000", RUST_LOG="warn")
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/control/sent", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    log = open(os.path.join(data_dir + "-serve.log"), "w")
    serve = subprocess.Popen([NEWSDESK, "serve"], env=env, stdout=log, stderr=log)
    try:
        lines = [json.loads(l)["question"] for l in open(questions, encoding="utf-8")][:count]
        started = time.perf_counter()
        for i, text in enumerate(lines):
            body = json.dumps({"text": text, "user_id": 1000 + i}).encode()
            request = urllib.request.Request(base + "/control/update", body, {"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=5)
        sent = 0
        while time.perf_counter() - started < timeout and serve.poll() is None:
            sent = len(json.load(urllib.request.urlopen(base + "/control/sent", timeout=5))["result"])
            if sent >= len(lines):
                break
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        if serve.poll() is not None:
            sys.exit("newsdesk serve stopped:\n" + open(log.name).read()[-2000:])
        status = open(f"/proc/{serve.pid}/status").read()
        peak_kb = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
        return {"serve_answered": sent, "serve_seconds": seconds, "serve_rss_mb": peak_kb / 1024}
    finally:
        serve.terminate()
        serve.wait(timeout=30)
        fake.terminate()
        fake.wait(timeout=30)


def report(name, row):
    print(json.dumps({"corpus": name, **row}))
    sys.stdout.flush()


def main():
    global NEWS
    news, work = sys.argv[1], sys.argv[2]
    NEWS = news
    min_passages = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    articles = [json.loads(line) for line in open(news, encoding="utf-8")]
    questions = questions_from(articles, os.path.join(work, "questions.jsonl"))
    filtered = filtered_questions_from(questions, os.path.join(work, "filtered-questions.jsonl"))
    probe = json.loads(open(questions, encoding="utf-8").readline())["question"]

    small = os.path.join(work, "news-22k")
    os.makedirs(small)
    shutil.copy(news, small)
    row = index(small, os.path.join(work, "index-22k"))
    report("news-22k", row)
    report("news-22k", answer(small, os.path.join(work, "index-22k"), questions))
    report("news-22k", answer(small, os.path.join(work, "index-22k"), filtered, "filtered_"))
    report("news-22k", cold_start(small, os.path.join(work, "index-22k"), probe))

    copies = -(-min_passages // row["passages"])
    big = os.path.join(work, "news-big")
    os.makedirs(big)
    for copy in range(copies):
        with open(os.path.join(big, f"copy-{copy:03}.jsonl"), "w", encoding="utf-8") as f:
            for article in articles:
                suffix = "" if copy == 0 else f"~{copy}"
                f.write(json.dumps(article | {"id": article["id"] + suffix}, ensure_ascii=False) + "\n")
    shutil.rmtree(small)
    shutil.rmtree(os.path.join(work, "index-22k"))
    big_index = os.path.join(work, "index-big")
    name = f"news-22k x{copies}"
    report(name, index(big, big_index))
    report(name, answer(big, big_index, questions))
    report(name, answer(big, big_index, filtered, "filtered_"))
    report(name, cold_start(big, big_index, probe))
    report(name, serve_rss(big, big_index, questions, os.path.join(work, "data")))


if __name__ == "__main__":
    main()
