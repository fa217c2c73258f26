"""A dated question set over news-22k, built at run time from the bench file: questions
with a time window or an outlet, the way people type them (short, lower case, a typo
now and then) and long, in English, Ukrainian and Russian, each with the article it
is about and the window / outlets every result must be in.

news-22k holds Reuters 1987 (dated to the day, February to October), BBC News
2004-05 (undated in the file) and the Ukrainian regional press 2011-2020 (dated to
the year). Each question is one article's title reworded, plus a filter the
article passes: a day, a month, a range, a relative window ("last week", "вчора",
"на прошлой неделе") asked at a moment chosen so the article falls in it (some of
them in New York, where that moment is still the day before), a year, an outlet.
The expected window is worked out here, independently of newsdesk's parser.

Usage: python3 scripts/dated_questions.py NEWS_JSONL OUT_JSONL [--seed N]
Only article ids and question texts are written; no article text.
"""

import datetime as dt
import json
import random
import re
import sys
from collections import Counter

EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]
EN_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
UK_LOCATIVE = ["січні", "лютому", "березні", "квітні", "травні", "червні", "липні", "серпні", "вересні",
               "жовтні", "листопаді", "грудні"]
UK_GENITIVE = ["січня", "лютого", "березня", "квітня", "травня", "червня", "липня", "серпня", "вересня",
               "жовтня", "листопада", "грудня"]
RU_LOCATIVE = ["январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе", "сентябре",
               "октябре", "ноябре", "декабре"]
RU_GENITIVE = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
               "октября", "ноября", "декабря"]

KYIV = "Europe/Kyiv"
NEW_YORK = "America/New_York"
# Asked "now" for questions whose window names its year: any moment will do.
LATER = "2026-02-11T10:00:00Z"


def month_end(day):
    first_next = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first_next - dt.timedelta(days=1)


def iso(day):
    return day.isoformat()


def noon_utc(day, hours=10):
    """A moment on `day` (Kyiv is UTC+2/+3, so 10:00 UTC is that day there too)."""
    return f"{iso(day)}T{hours:02}:00:00Z"


def topic(title, rng, typo=False):
    """A title as people type it: tickers and quotes out, lower case, a word dropped
    from long titles, sometimes a typo (two letters swapped in a long word)."""
    text = re.sub(r"<[^>]*>", " ", title)
    text = re.sub(r"[\"'«»“”]", " ", text)
    words = [w for w in re.split(r"\s+", text.lower()) if w]
    if len(words) >= 6:
        del words[rng.randrange(len(words))]
    if typo:
        long_words = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
        if long_words:
            i = rng.choice(long_words)
            w = words[i]
            j = rng.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def question(text, article, *, since=None, until=None, sources=(), lang=None, now=LATER, tz=KYIV, kind):
    row = {"question": text, "article": article["id"], "now": now, "tz": tz, "kind": kind}
    if since:
        row["since"] = since
    if until:
        row["until"] = until
    if sources:
        row["sources"] = list(sources)
    if lang:
        row["lang"] = lang
    return row


def main():
    news, out = sys.argv[1], sys.argv[2]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 21
    rng = random.Random(seed)
    articles = [json.loads(line) for line in open(news, encoding="utf-8")]
    titles = Counter(a["title"].strip().lower() for a in articles)
    usable = [a for a in articles
              if titles[a["title"].strip().lower()] == 1 and len(re.findall(r"\w+", a["title"])) >= 4]
    reuters = [a for a in usable if a.get("source") == "Reuters" and a.get("date")]
    bbc = [a for a in usable if a.get("source") == "BBC News"]
    ukrainian = [a for a in usable if a.get("lang") == "uk" and a.get("date") and a.get("source")]
    outlets = sorted({a["source"] for a in articles if a.get("source")})
    rng.shuffle(reuters)
    rng.shuffle(bbc)
    rng.shuffle(ukrainian)
    rows = []

    def typo():
        return rng.random() < 0.2

    # Reuters, one day, the day written out.
    for a in reuters[:30]:
        d = dt.date.fromisoformat(a["date"])
        t = topic(a["title"], rng, typo())
        m, ms = EN_MONTHS[d.month - 1], EN_SHORT[d.month - 1]
        text = rng.choice([
            f"What was reported about {t} on {m} {d.day}, {d.year}?",
            f"{t} {ms} {d.day} {d.year}",
            f"{t} on:{iso(d)}",
            f"on {d.day} {m} {d.year}, {t}?",
            f"{t} {iso(d)}",
            f"що писали {d.day} {UK_GENITIVE[d.month - 1]} {d.year} року про {t}",
            f"{t} {d.day} {RU_GENITIVE[d.month - 1]} {d.year} года",
        ])
        rows.append(question(text, a, since=iso(d), until=iso(d), kind="day"))

    # Reuters, a month with its year.
    for a in reuters[30:55]:
        d = dt.date.fromisoformat(a["date"])
        first, last = d.replace(day=1), month_end(d)
        t = topic(a["title"], rng, typo())
        m, ms = EN_MONTHS[d.month - 1], EN_SHORT[d.month - 1]
        text = rng.choice([
            f"{t} in {m} {d.year}",
            f"What happened with {t} in {ms} {d.year}?",
            f"{t} since:{iso(first)} until:{iso(last)}",
            f"{t} on:{d.year}-{d.month:02}",
            f"що писали про {t} у {UK_LOCATIVE[d.month - 1]} {d.year} року?",
            f"{t} в {RU_LOCATIVE[d.month - 1]} {d.year} года",
            f"In {m} {d.year}, what was the news on {t}?",
        ])
        rows.append(question(text, a, since=iso(first), until=iso(last), kind="month"))

    # Reuters, relative windows, asked at a moment the article falls in.
    relative = reuters[55:95]
    for n, a in enumerate(relative):
        d = dt.date.fromisoformat(a["date"])
        t = topic(a["title"], rng, typo())
        choice = n % 10
        tz = KYIV
        if choice == 0:
            now, text, since, until = noon_utc(d + dt.timedelta(days=1)), f"{t} yesterday", d, d
        elif choice == 1:
            now, text, since, until = noon_utc(d + dt.timedelta(days=1)), f"вчора {t}", d, d
        elif choice == 2:
            monday = d - dt.timedelta(days=d.weekday())
            now = noon_utc(monday + dt.timedelta(days=9))
            text = rng.choice([f"What did they say about {t} last week?", f"{t} минулого тижня",
                               f"{t} на прошлой неделе"])
            since, until = monday, monday + dt.timedelta(days=6)
        elif choice == 3:
            monday = d - dt.timedelta(days=d.weekday())
            now = noon_utc(monday + dt.timedelta(days=6))
            text = rng.choice([f"{t} this week", f"{t} цього тижня", f"{t} на этой неделе"])
            since, until = monday, monday + dt.timedelta(days=6)
        elif choice == 4:
            now = noon_utc(d + dt.timedelta(days=1))
            text = rng.choice([f"{t} over the last 3 days", f"{t} за останні 3 дні", f"{t} за последние 3 дня"])
            since, until = d - dt.timedelta(days=1), d + dt.timedelta(days=1)
        elif choice == 5:
            nxt = month_end(d) + dt.timedelta(days=1)
            now = noon_utc(nxt + dt.timedelta(days=9))
            text = rng.choice([f"{t} last month", f"{t} минулого місяця", f"{t} в прошлом месяце"])
            since, until = d.replace(day=1), month_end(d)
        elif choice == 6:
            # "In March" with no year: the most recent March, asked the month after.
            nxt = month_end(d) + dt.timedelta(days=1)
            now = noon_utc(nxt + dt.timedelta(days=3))
            text = rng.choice([f"{t} in {EN_MONTHS[d.month - 1]}", f"{t} у {UK_LOCATIVE[d.month - 1]}",
                               f"{t} в {RU_LOCATIVE[d.month - 1]}"])
            since, until = d.replace(day=1), month_end(d)
        elif choice == 7:
            # At 03:00 UTC the next day it is still the article's day in New York.
            now, tz = f"{iso(d + dt.timedelta(days=1))}T03:00:00Z", NEW_YORK
            text = rng.choice([f"{t} today", f"what's the news on {t} today?"])
            since, until = d, d
        elif choice == 8:
            start = d - dt.timedelta(days=2)
            now = noon_utc(d + dt.timedelta(days=20))
            text = rng.choice([f"{t} since {EN_MONTHS[start.month - 1]} {start.day}",
                               f"{t} з {start.day} {UK_GENITIVE[start.month - 1]}",
                               f"{t} с {start.day} {RU_GENITIVE[start.month - 1]}"])
            since, until = start, None
        else:
            now = noon_utc(d + dt.timedelta(days=4))
            text = rng.choice([f"{t} in the past week", f"{t} за останній тиждень"])
            since, until = d + dt.timedelta(days=4) - dt.timedelta(days=6), d + dt.timedelta(days=4)
        rows.append(question(text, a, since=iso(since), until=until and iso(until), now=now, tz=tz,
                             kind="relative"))

    # Reuters, a range of days.
    for a in reuters[95:107]:
        d = dt.date.fromisoformat(a["date"])
        start, end = d - dt.timedelta(days=rng.randrange(0, 5)), d + dt.timedelta(days=rng.randrange(0, 5))
        t = topic(a["title"], rng, typo())
        if start.month == end.month:
            text = rng.choice([
                f"{t} between {EN_MONTHS[start.month - 1]} {start.day} and {end.day}, {end.year}",
                f"{t} з {start.day} по {end.day} {UK_GENITIVE[end.month - 1]} {end.year} року",
                f"{t} с {start.day} по {end.day} {RU_GENITIVE[end.month - 1]} {end.year} года",
            ])
        else:
            text = (f"{t} from {EN_SHORT[start.month - 1]} {start.day} to {EN_SHORT[end.month - 1]} "
                    f"{end.day} {end.year}")
        rows.append(question(text, a, since=iso(start), until=iso(end), kind="range"))

    # Reuters with the outlet and a window.
    for a in reuters[107:117]:
        d = dt.date.fromisoformat(a["date"])
        t = topic(a["title"], rng, typo())
        text = rng.choice([f"{t} source:reuters in {EN_MONTHS[d.month - 1]} {d.year}",
                           f"source:Reuters {t} on:{iso(d)}"])
        window = (d.replace(day=1), month_end(d)) if "source:reuters in" in text else (d, d)
        rows.append(question(text, a, since=iso(window[0]), until=iso(window[1]), sources=["Reuters"],
                             kind="outlet+window"))

    # BBC News: undated, by outlet.
    for a in bbc[:22]:
        t = topic(a["title"], rng, typo())
        text = rng.choice([f"{t} source:bbc", f"source:BBC {t}?", f"what did the bbc say about {t} source:BBC",
                           f"{t} source:\"BBC News\" lang:en", f"{t} source:bbc_news"])
        rows.append(question(text, a, sources=["BBC News"], lang="en" if "lang:en" in text else None,
                             kind="outlet"))

    # Ukrainian press: a year.
    for a in ukrainian[:25]:
        year = int(a["date"][:4])
        t = topic(a["title"], rng, typo())
        text = rng.choice([
            f"{t} у {year} році",
            f"що писали про {t} {year} року",
            f"{t} in {year}",
            f"{t} since:{year}-01-01 until:{year}-12-31",
            f"{t} в {year} году",
            f"{t} on:{year} lang:uk",
        ])
        rows.append(question(text, a, since=f"{year}-01-01", until=f"{year}-12-31",
                             lang="uk" if "lang:uk" in text else None, kind="year"))

    # Ukrainian press: an outlet, by the first word of its name (all outlets it starts).
    named = [a for a in ukrainian[25:] if re.fullmatch(r"\w[\w.\-]*", a["source"].split()[0])]
    for a in named[:15]:
        first = a["source"].split()[0].strip(".,")
        matching = [o for o in outlets if o.lower().startswith(first.lower())]
        t = topic(a["title"], rng, typo())
        text = rng.choice([f"{t} source:{first}", f"source:{first.lower()} {t}",
                           f"що писали у виданні source:{first} про {t}"])
        rows.append(question(text, a, sources=matching, kind="outlet"))

    with open(out, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    kinds = Counter(r["kind"] for r in rows)
    print(f"{len(rows)} questions: " + ", ".join(f"{k} {v}" for k, v in kinds.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
