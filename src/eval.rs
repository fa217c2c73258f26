//! Answer-quality evaluation: SQuAD v1.1 as a closed pool, or a question file over
//! a corpus, scored with the same [`NewsIndex::ask`] users get.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::answer::AskOptions;
use crate::index::{NewsIndex, SearchError, article_key};
use crate::ingest::Article;

/// Results looked at per question by default: enough for top-20 accuracy.
pub const DEFAULT_DEPTH: usize = 20;

/// A question with what a correct answer looks like.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct EvalQuestion {
    pub question: String,
    /// The article that answers it; `None` when the right answer is to abstain.
    pub article: Option<String>,
    /// Phrases any one of which a good excerpt contains.
    #[serde(default, deserialize_with = "one_or_many")]
    pub answer: Vec<String>,
    /// The sentence of the article that holds the answer, when known (XQuAD-R).
    #[serde(default)]
    pub gold_sentence: Option<String>,
    /// When the question is asked (RFC 3339, or a day read as noon), for "last
    /// week" and "in February"; now when absent.
    #[serde(default)]
    pub now: Option<String>,
    /// The asker's time zone (IANA); UTC when absent.
    #[serde(default)]
    pub tz: Option<String>,
    /// The window every result must be in (`YYYY-MM-DD`, both included): checked
    /// against each result's date (an undated result is outside).
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
    /// Outlets every result must be from (exact names, any case).
    #[serde(default)]
    pub sources: Vec<String>,
    /// The language every result must be in.
    #[serde(default)]
    pub lang: Option<String>,
}

impl EvalQuestion {
    /// A question with its expected article, no filters.
    pub fn new(question: String, article: Option<String>, answer: Vec<String>) -> EvalQuestion {
        EvalQuestion {
            question,
            article,
            answer,
            gold_sentence: None,
            now: None,
            tz: None,
            since: None,
            until: None,
            sources: Vec::new(),
            lang: None,
        }
    }

    /// Whether the question expects its results within a window, outlets or a
    /// language.
    pub fn filtered(&self) -> bool {
        self.since.is_some() || self.until.is_some() || !self.sources.is_empty() || self.lang.is_some()
    }

    /// Whether a result is within what the question expects.
    fn within(&self, hit: &crate::answer::Hit) -> bool {
        let day = hit.date.as_deref();
        let in_window = match (&self.since, &self.until) {
            (None, None) => true,
            (since, until) => day.is_some_and(|d| {
                since.as_deref().is_none_or(|s| d >= s) && until.as_deref().is_none_or(|u| d <= u)
            }),
        };
        let from_outlet = self.sources.is_empty()
            || hit.source.as_deref().is_some_and(|s| self.sources.iter().any(|e| e.eq_ignore_ascii_case(s)));
        let in_lang = self.lang.as_deref().is_none_or(|l| hit.lang == l);
        in_window && from_outlet && in_lang
    }

    /// When the question is asked, in its time zone.
    pub fn asked_at(&self) -> jiff::Zoned {
        let tz = self.tz.as_deref().and_then(crate::digest::time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
        let Some(now) = self.now.as_deref() else { return jiff::Timestamp::now().to_zoned(tz) };
        if let Ok(timestamp) = now.parse::<jiff::Timestamp>() {
            return timestamp.to_zoned(tz);
        }
        now.parse::<jiff::civil::Date>()
            .ok()
            .and_then(|day| day.at(12, 0, 0, 0).to_zoned(tz.clone()).ok())
            .unwrap_or_else(|| jiff::Timestamp::now().to_zoned(tz))
    }
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read {}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} is not SQuAD v1.1 JSON", path.display())]
    Squad { path: PathBuf, source: serde_json::Error },
    #[error("{}:{line} is not a question line", path.display())]
    Question { path: PathBuf, line: usize, source: serde_json::Error },
    #[error(transparent)]
    Search(#[from] SearchError),
}

#[derive(Deserialize)]
struct Squad {
    data: Vec<SquadArticle>,
}

#[derive(Deserialize)]
struct SquadArticle {
    title: String,
    paragraphs: Vec<SquadParagraph>,
}

#[derive(Deserialize)]
struct SquadParagraph {
    context: String,
    qas: Vec<SquadQa>,
    /// XQuAD-R: `[start, end]` character offsets of each sentence of `context`.
    #[serde(default)]
    sentence_breaks: Vec<(usize, usize)>,
}

#[derive(Deserialize)]
struct SquadQa {
    question: String,
    answers: Vec<SquadAnswer>,
}

#[derive(Deserialize)]
struct SquadAnswer {
    text: String,
    #[serde(default)]
    answer_start: usize,
}

fn read_squad(path: &Path) -> Result<Squad, EvalError> {
    let bytes = std::fs::read(path).map_err(|source| EvalError::Read { path: path.to_owned(), source })?;
    serde_json::from_slice(&bytes).map_err(|source| EvalError::Squad { path: path.to_owned(), source })
}

/// Reads SQuAD v1.1: every paragraph becomes an article (titled after its Wikipedia
/// article), every question expects its own paragraph.
pub fn load_squad(path: &Path) -> Result<(Vec<Article>, Vec<EvalQuestion>), EvalError> {
    let squad = read_squad(path)?;
    let mut articles = Vec::new();
    let mut questions = Vec::new();
    for (a, article) in squad.data.iter().enumerate() {
        for (p, paragraph) in article.paragraphs.iter().enumerate() {
            let id = format!("squad-{a}-{p}");
            articles.push(Article {
                id: id.clone(),
                title: article.title.replace('_', " "),
                source: Some("Wikipedia".into()),
                date: None,
                url: None,
                lang: "en".into(),
                paragraphs: vec![paragraph.context.clone()],
            });
            for qa in &paragraph.qas {
                questions.push(EvalQuestion::new(
                    qa.question.clone(),
                    Some(id.clone()),
                    qa.answers.iter().map(|a| a.text.clone()).collect(),
                ));
            }
        }
    }
    Ok((articles, questions))
}

/// Reads XQuAD-R from `dir` (`en.json`, `de.json`, … with the same paragraphs and
/// question ids in every language): the paragraphs in `paragraph_lang` become
/// articles, asked with the questions in `questions_lang`. Each question expects its
/// own paragraph, the answer text and the sentence holding it in `paragraph_lang`.
/// Paragraphs in English keep their Wikipedia title; others are titled after their
/// first words, so that an English title gives no words away across languages.
///
/// `paragraph_lang` may list several languages, comma-separated ("en,de"): the
/// paragraphs then take them in turn, a mixed archive where each paragraph is in
/// one language and the question's own language competes with the others.
pub fn load_xquad(
    dir: &Path,
    questions_lang: &str,
    paragraph_lang: &str,
) -> Result<(Vec<Article>, Vec<EvalQuestion>), EvalError> {
    let asked = read_squad(&dir.join(format!("{questions_lang}.json")))?;
    let langs: Vec<&str> = paragraph_lang.split(',').map(str::trim).filter(|l| !l.is_empty()).collect();
    let pools: Vec<Squad> =
        langs.iter().map(|lang| read_squad(&dir.join(format!("{lang}.json")))).collect::<Result<_, _>>()?;
    let mut articles = Vec::new();
    let mut questions = Vec::new();
    let mut turn = 0;
    for (a, asked) in asked.data.iter().enumerate() {
        for (p, asked) in asked.paragraphs.iter().enumerate() {
            let which = turn % pools.len().max(1);
            turn += 1;
            let (Some(&paragraph_lang), Some(article)) =
                (langs.get(which), pools.get(which).and_then(|pool| pool.data.get(a)))
            else {
                continue;
            };
            let Some(paragraph) = article.paragraphs.get(p) else { continue };
            let id = format!("xquad-{a}-{p}");
            let title = if paragraph_lang == "en" {
                article.title.replace('_', " ")
            } else {
                paragraph.context.split_whitespace().take(8).collect::<Vec<_>>().join(" ")
            };
            articles.push(Article {
                id: id.clone(),
                title,
                source: Some("Wikipedia".into()),
                date: None,
                url: None,
                lang: paragraph_lang.to_owned(),
                paragraphs: vec![paragraph.context.clone()],
            });
            for (question, qa) in asked.qas.iter().zip(&paragraph.qas) {
                let Some(answer) = qa.answers.first() else { continue };
                questions.push(EvalQuestion {
                    gold_sentence: sentence_at(
                        &paragraph.context,
                        &paragraph.sentence_breaks,
                        answer.answer_start,
                    ),
                    ..EvalQuestion::new(
                        question.question.clone(),
                        Some(id.clone()),
                        vec![answer.text.clone()],
                    )
                });
            }
        }
    }
    Ok((articles, questions))
}

/// The sentence of `text` whose `[start, end]` character span holds character `at`.
fn sentence_at(text: &str, breaks: &[(usize, usize)], at: usize) -> Option<String> {
    let &(start, end) = breaks.iter().find(|&&(start, end)| start <= at && at < end)?;
    let sentence: String = text.chars().skip(start).take(end - start).collect();
    Some(sentence.trim().to_owned())
}

/// Questions cut down to what people type in a chat: the first [`SHORT_WORDS`]
/// content words, as written (no question words, articles or prepositions).
pub fn shortened(questions: &[EvalQuestion]) -> Vec<EvalQuestion> {
    questions
        .iter()
        .map(|q| {
            let mut seen = Vec::new();
            let mut words = Vec::new();
            for term in crate::analysis::analyze(&q.question) {
                if term.stopword || seen.contains(&term.text) || words.len() == SHORT_WORDS {
                    continue;
                }
                words.push(q.question[term.start..term.end].to_owned());
                seen.push(term.text);
            }
            EvalQuestion { question: words.join(" "), ..q.clone() }
        })
        .collect()
}

/// The same questions with one typo each, as people make them in a chat: in one
/// word of [`TYPO_MIN_LETTERS`] letters or more (Latin or Cyrillic, not the first
/// word), past its first letter, one letter left out, doubled, changed to or
/// preceded by a key next to it (QWERTY, or the Ukrainian or Russian ЙЦУКЕН), or
/// swapped with the next. Which word, where and how follow from the question's
/// text alone, so every run asks the same. A question without such a word is kept
/// as it is.
pub fn with_typos(questions: &[EvalQuestion]) -> Vec<EvalQuestion> {
    questions.iter().map(|q| EvalQuestion { question: mistype(&q.question), ..q.clone() }).collect()
}

/// Words shorter than this get no typo in [`with_typos`].
pub const TYPO_MIN_LETTERS: usize = 5;

/// One typo in `question` (see [`with_typos`]).
fn mistype(question: &str) -> String {
    // Words: runs of Latin (ASCII) letters, or of Cyrillic ones.
    let kind = |c: char| match c {
        'a'..='z' | 'A'..='Z' => 1,
        'а'..='я' | 'А'..='Я' | 'і' | 'ї' | 'є' | 'ґ' | 'ё' | 'І' | 'Ї' | 'Є' | 'Ґ' | 'Ё' => 2,
        _ => 0,
    };
    let mut words = Vec::new();
    let mut start: Option<(usize, u8)> = None;
    for (i, c) in question.char_indices().chain(std::iter::once((question.len(), ' '))) {
        let k = kind(c);
        match start {
            Some((_, open)) if open == k => {}
            _ => {
                if let Some((s, _)) = start.take() {
                    words.push(s..i);
                }
                if k != 0 {
                    start = Some((i, k));
                }
            }
        }
    }
    let words: Vec<_> = words
        .into_iter()
        .skip(1)
        .filter(|w| question[w.clone()].chars().count() >= TYPO_MIN_LETTERS)
        .collect();
    if words.is_empty() {
        return question.to_owned();
    }
    // Draws from the question's own hash: which word, where, how, which key.
    let hash = blake3::hash(question.as_bytes());
    let draw = |n: usize, which: usize| {
        let bytes: [u8; 4] = hash.as_bytes()[which * 4..which * 4 + 4].try_into().expect("4 bytes");
        u32::from_le_bytes(bytes) as usize % n
    };
    let word = words[draw(words.len(), 0)].clone();
    let letters: Vec<char> = question[word.clone()].chars().collect();
    let at = 1 + draw(letters.len() - 1, 1);
    let key = keyboard_neighbours(letters[at].to_lowercase().next().unwrap_or(letters[at]));
    let near = if key.is_empty() { letters[at] } else { key[draw(key.len(), 2)] };
    let mut typed = letters.clone();
    match draw(4, 3) {
        0 => {
            typed.remove(at);
        }
        1 => typed[at] = near,
        2 => typed.insert(at, if draw(2, 4) == 0 { letters[at] } else { near }),
        _ if at + 1 < letters.len() && letters[at] != letters[at + 1] => typed.swap(at, at + 1),
        _ => {
            typed.remove(at);
        }
    }
    let typed: String = typed.into_iter().collect();
    format!("{}{typed}{}", &question[..word.start], &question[word.end..])
}

/// The keys around a lowercase letter on a QWERTY keyboard, or on the Ukrainian or
/// Russian ЙЦУКЕН one.
fn keyboard_neighbours(letter: char) -> Vec<char> {
    const LAYOUTS: [[&str; 3]; 3] = [
        ["qwertyuiop", "asdfghjkl", "zxcvbnm"],
        ["йцукенгшщзхї", "фівапролджє", "ячсмитьбю"],
        ["йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю"],
    ];
    let Some((rows, row, column)) = LAYOUTS.iter().find_map(|rows| {
        rows.iter().enumerate().find_map(|(r, keys)| Some((rows, r, keys.chars().position(|k| k == letter)?)))
    }) else {
        return Vec::new();
    };
    let mut near = Vec::new();
    for keys in &rows[row.saturating_sub(1)..=(row + 1).min(rows.len() - 1)] {
        for c in column.saturating_sub(1)..=column + 1 {
            if let Some(key) = keys.chars().nth(c)
                && key != letter
            {
                near.push(key);
            }
        }
    }
    near
}

/// Half of a pool's questions, by the number of their article in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Split {
    Even,
    Odd,
}

/// The questions of a pool's even- or odd-numbered articles (`squad-{article}-{p}`,
/// `xquad-{article}-{p}`, as [`load_squad`] and [`load_xquad`] name them).
pub fn split(questions: Vec<EvalQuestion>, split: Split) -> Vec<EvalQuestion> {
    let article =
        |q: &EvalQuestion| -> Option<usize> { q.article.as_deref()?.split('-').nth(1)?.parse().ok() };
    questions
        .into_iter()
        .filter(|q| article(q).is_some_and(|a| (a % 2 == 0) == (split == Split::Even)))
        .collect()
}

/// The most words a shortened question keeps.
pub const SHORT_WORDS: usize = 6;

/// The same questions with nothing to find: every one should be refused (asked
/// against another corpus than their own).
pub fn off_topic(questions: Vec<EvalQuestion>) -> Vec<EvalQuestion> {
    questions
        .into_iter()
        .map(|q| EvalQuestion { article: None, answer: Vec::new(), gold_sentence: None, ..q })
        .collect()
}

/// Reads a question file: one `{"question", "article", "answer"}` object per line.
pub fn load_questions(path: &Path) -> Result<Vec<EvalQuestion>, EvalError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| EvalError::Read { path: path.to_owned(), source })?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with("//") {
            continue;
        }
        let q = serde_json::from_str(line).map_err(|source| EvalError::Question {
            path: path.to_owned(),
            line: n + 1,
            source,
        })?;
        out.push(q);
    }
    Ok(out)
}

/// The scores of one evaluation run. Rates are fractions in 0..=1.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Metrics {
    pub questions: usize,
    /// Questions that have an expected article.
    pub answerable: usize,
    pub top1: f64,
    pub top5: f64,
    pub top20: f64,
    pub mrr10: f64,
    /// The first excerpt contains an expected answer phrase.
    pub answer_in_first_excerpt: f64,
    /// Any of the first three excerpts does.
    pub answer_in_top3_excerpts: f64,
    /// The first excerpt is from the right article and holds the sentence with the
    /// answer (over the questions whose answer sentence is known).
    pub gold_sentence_in_first_excerpt: f64,
    /// Answered when it should, abstained when it should, over all questions.
    pub abstention_accuracy: f64,
    /// Questions that should have been answered but were refused.
    pub false_abstentions: usize,
    /// Questions that should have been refused but were answered.
    pub false_answers: usize,
    /// The answer as users see it: weak results left out, as the bot and `ask` do
    /// (the figures above rank them too, and count a question refused when its
    /// first-ranked result is weak). The share of answerable questions whose first
    /// shown result is the right article, with the answer phrase in its excerpt
    /// when the question gives one.
    pub shown_answer_at_1: f64,
    /// Answerable questions with no result shown (among the first `depth`).
    pub shown_refusals: usize,
    /// Questions that should have been refused with a result shown.
    pub shown_false_answers: usize,
    /// Results asked for per question (top-k beyond it reads as a miss).
    pub depth: usize,
    /// Full answers: `depth` ranked passages, each with its excerpt; the time
    /// counted is the time spent answering, not scoring the answers.
    pub queries_per_second: f64,
    /// Ranking alone (article keys, as BM25 libraries return document numbers),
    /// in a second pass, and its own top-1 and top-5 (the same as `top1` and
    /// `top5` unless ties fall another way).
    pub ranking_queries_per_second: f64,
    pub ranking_top1: f64,
    pub ranking_top5: f64,
    /// Questions that expect their results within a window, outlets or a language.
    pub filtered_questions: usize,
    /// Over those questions' results (all `depth` of them): the share inside what
    /// the question expects (window, outlet, language).
    pub filter_precision: f64,
    /// Results of those questions outside what they expect.
    pub results_outside_filters: usize,
    /// Of the filtered questions with a window, those whose window was read as
    /// expected.
    pub windows_read: f64,
    /// Full-answer latency percentiles, in milliseconds.
    pub latency_p50_ms: f64,
    pub latency_p95_ms: f64,
    pub latency_p99_ms: f64,
    /// Per question: did it pass (right article first, and the phrase in the
    /// first excerpt when one is given; or a refusal when one was expected)?
    #[serde(skip)]
    pub outcomes: Vec<Outcome>,
}

/// One question's result, for reports and tests.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub question: String,
    pub passed: bool,
    pub answered: bool,
    pub first_article: Option<String>,
    pub first_excerpt: Option<String>,
}

/// Asks every question (single thread) for `depth` results and scores the answers,
/// then times ranking alone over the same questions.
pub fn evaluate(
    index: &NewsIndex,
    questions: &[EvalQuestion],
    min_coverage: f32,
    depth: usize,
) -> Result<Metrics, EvalError> {
    let mut m = Metrics { questions: questions.len(), depth, ..Metrics::default() };
    let (mut top1, mut top5, mut top20, mut rr) = (0usize, 0usize, 0usize, 0.0f64);
    let (mut first_ok, mut top3_ok, mut with_phrase, mut abstain_ok) = (0usize, 0usize, 0usize, 0usize);
    let (mut gold_ok, mut with_gold) = (0usize, 0usize);
    let mut shown_ok = 0usize;
    let options = AskOptions { k: depth, offset: 0, min_coverage, keep_weak: true };
    let mut latencies = Vec::with_capacity(questions.len());
    let (mut filtered_results, mut windows, mut windows_ok) = (0usize, 0usize, 0usize);
    // When each question is asked, worked out before the clock starts.
    let moments: Vec<jiff::Zoned> = questions.iter().map(EvalQuestion::asked_at).collect();
    for (q, now) in questions.iter().zip(&moments) {
        let asked = Instant::now();
        let answer = index.ask_at(&q.question, options, now)?;
        latencies.push(asked.elapsed().as_secs_f64() * 1000.0);
        if q.filtered() {
            m.filtered_questions += 1;
            filtered_results += answer.hits.len();
            m.results_outside_filters += answer.hits.iter().filter(|h| !q.within(h)).count();
            if q.since.is_some() || q.until.is_some() {
                windows += 1;
                let day = |d: Option<jiff::civil::Date>| d.map(|d| d.to_string());
                windows_ok += usize::from(
                    (day(answer.filters.since), day(answer.filters.until))
                        == (q.since.clone(), q.until.clone()),
                );
            }
        }
        let answered = answer.answered;
        let contains = |excerpt: &str| {
            let excerpt = excerpt.to_lowercase();
            q.answer.iter().any(|a| excerpt.contains(&a.to_lowercase()))
        };
        let mut passed = !answered;
        let shown = answer.hits.iter().find(|h| h.strong);
        match &q.article {
            Some(expected) => {
                m.answerable += 1;
                let rank = answer.hits.iter().position(|h| &h.article_id == expected);
                if let Some(r) = rank {
                    top1 += usize::from(r == 0);
                    top5 += usize::from(r < 5);
                    top20 += usize::from(r < 20);
                    if r < 10 {
                        rr += 1.0 / (r as f64 + 1.0);
                    }
                }
                let first = answer.hits.first().is_some_and(|h| contains(&h.excerpt.text));
                if !q.answer.is_empty() {
                    with_phrase += 1;
                    first_ok += usize::from(first && answered);
                    top3_ok += usize::from(
                        answered && answer.hits.iter().take(3).any(|h| contains(&h.excerpt.text)),
                    );
                }
                if let Some(gold) = &q.gold_sentence {
                    with_gold += 1;
                    let first = answer.hits.first().filter(|_| answered && rank == Some(0));
                    gold_ok += usize::from(first.is_some_and(|h| holds_sentence(&h.excerpt.text, gold)));
                }
                abstain_ok += usize::from(answered);
                m.false_abstentions += usize::from(!answered);
                m.shown_refusals += usize::from(shown.is_none());
                shown_ok += usize::from(shown.is_some_and(|h| {
                    &h.article_id == expected && (q.answer.is_empty() || contains(&h.excerpt.text))
                }));
                passed = answered && rank == Some(0) && (q.answer.is_empty() || first);
            }
            None => {
                abstain_ok += usize::from(!answered);
                m.false_answers += usize::from(answered);
                m.shown_false_answers += usize::from(shown.is_some());
            }
        }
        m.outcomes.push(Outcome {
            question: q.question.clone(),
            passed,
            answered,
            first_article: answer.hits.first().map(|h| h.article_id.clone()),
            first_excerpt: answer.hits.first().map(|h| h.excerpt.text.clone()),
        });
    }
    let started = Instant::now();
    let mut ranked = Vec::with_capacity(questions.len());
    for (q, now) in questions.iter().zip(&moments) {
        ranked.push(index.rank_articles_at(&q.question, options, now)?);
    }
    let ranking_seconds = started.elapsed().as_secs_f64();
    // Where each question's article came in the ranking pass, scored on its own.
    let ranking_rank = |q: &EvalQuestion, keys: &Vec<u64>| {
        let key = article_key(q.article.as_deref()?);
        keys.iter().position(|k| *k == key)
    };
    let ranking_within = |n: usize| {
        questions.iter().zip(&ranked).filter(|(q, keys)| ranking_rank(q, keys).is_some_and(|r| r < n)).count()
    };
    let (ranking_top1, ranking_top5) = (ranking_within(1), ranking_within(5));
    let rate = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
    m.top1 = rate(top1, m.answerable);
    m.ranking_top1 = rate(ranking_top1, m.answerable);
    m.ranking_top5 = rate(ranking_top5, m.answerable);
    m.top5 = rate(top5, m.answerable);
    m.top20 = rate(top20, m.answerable);
    m.mrr10 = if m.answerable == 0 { 0.0 } else { rr / m.answerable as f64 };
    m.answer_in_first_excerpt = rate(first_ok, with_phrase);
    m.answer_in_top3_excerpts = rate(top3_ok, with_phrase);
    m.gold_sentence_in_first_excerpt = rate(gold_ok, with_gold);
    m.abstention_accuracy = rate(abstain_ok, m.questions);
    m.shown_answer_at_1 = rate(shown_ok, m.answerable);
    m.filter_precision = if filtered_results == 0 {
        1.0
    } else {
        1.0 - m.results_outside_filters as f64 / filtered_results as f64
    };
    m.windows_read = if windows == 0 { 1.0 } else { rate(windows_ok, windows) };
    let per_second = |seconds: f64| if seconds > 0.0 { questions.len() as f64 / seconds } else { 0.0 };
    m.queries_per_second = per_second(latencies.iter().sum::<f64>() / 1000.0);
    latencies.sort_by(f64::total_cmp);
    m.latency_p50_ms = percentile(&latencies, 0.50);
    m.latency_p95_ms = percentile(&latencies, 0.95);
    m.latency_p99_ms = percentile(&latencies, 0.99);
    m.ranking_queries_per_second = per_second(ranking_seconds);
    Ok(m)
}

/// Whether an excerpt quotes `sentence`: it holds the whole sentence, or is a window
/// cut from inside it (an over-long sentence).
fn holds_sentence(excerpt: &str, sentence: &str) -> bool {
    let core = excerpt.trim_matches(|c: char| c == '…' || c.is_whitespace());
    !core.is_empty() && (core.contains(sentence) || sentence.contains(core))
}

/// The `q` quantile of sorted values (nearest rank), 0 when there are none.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(question: &str) -> EvalQuestion {
        EvalQuestion { question: question.to_owned(), ..EvalQuestion::default() }
    }

    /// Whether `a` becomes `b` by one letter removed, added or changed, or two
    /// neighbours swapped, counted in letters.
    fn one_edit(a: &str, b: &str) -> bool {
        let letters = |s: &str| s.chars().collect::<Vec<_>>();
        crate::retrieve::typos::one_edit(&letters(a), &letters(b))
    }

    #[test]
    fn a_mixed_xquad_pool_takes_its_paragraphs_in_each_language_in_turn() {
        let dir = tempfile::tempdir().unwrap();
        let pool = |words: [&str; 3], question: &str| {
            let paragraphs: Vec<serde_json::Value> = words
                .iter()
                .map(|w| {
                    let context = format!("{w} one. {w} two.");
                    serde_json::json!({
                        "context": context,
                        "sentence_breaks": [[0, w.len() + 5], [w.len() + 6, context.chars().count()]],
                        "qas": [{"question": format!("{question} {w}?"),
                                 "answers": [{"text": format!("{w} two"), "answer_start": w.len() + 6}]}],
                    })
                })
                .collect();
            serde_json::json!({"data": [{"title": "Topic_name", "paragraphs": paragraphs}]}).to_string()
        };
        std::fs::write(dir.path().join("en.json"), pool(["alpha", "beta", "gamma"], "What")).unwrap();
        std::fs::write(dir.path().join("de.json"), pool(["Alpha", "Beta", "Gamma"], "Was")).unwrap();

        let (articles, questions) = load_xquad(dir.path(), "en", "en,de").unwrap();
        let langs: Vec<&str> = articles.iter().map(|a| a.lang.as_str()).collect();
        assert_eq!(langs, ["en", "de", "en"]);
        let texts: Vec<&str> = articles.iter().map(|a| a.paragraphs[0].as_str()).collect();
        assert_eq!(texts, ["alpha one. alpha two.", "Beta one. Beta two.", "gamma one. gamma two."]);
        // English keeps the article's title; another language is titled by its words.
        assert_eq!(articles[0].title, "Topic name");
        assert_eq!(articles[1].title, "Beta one. Beta two.");
        // Questions in English, each expecting its paragraph in that paragraph's language.
        let expected: Vec<(&str, Option<&str>, &str)> = questions
            .iter()
            .map(|q| (q.question.as_str(), q.article.as_deref(), q.gold_sentence.as_deref().unwrap()))
            .collect();
        assert_eq!(
            expected,
            [
                ("What alpha?", Some("xquad-0-0"), "alpha two."),
                ("What beta?", Some("xquad-0-1"), "Beta two."),
                ("What gamma?", Some("xquad-0-2"), "gamma two."),
            ]
        );
        // One language is the pool as before.
        let (articles, _) = load_xquad(dir.path(), "en", "de").unwrap();
        assert!(articles.iter().all(|a| a.lang == "de"));
    }

    #[test]
    fn every_question_gets_one_typo_in_one_long_word_past_its_first_letter() {
        let questions: Vec<EvalQuestion> = [
            "Which NFL team represented the AFC at Super Bowl 50?",
            "How many missiles did the PURL initiative deliver by summer 2025?",
            "What did Rutte say about the Budapest Memorandum?",
            "Who said winter is very long, but spring will come?",
            "Where did the delegation meet the ambassadors?",
            "Що обговорювали делегації у Брюсселі?",
            "Что обсуждали делегации в Брюсселе?",
        ]
        .into_iter()
        .map(asked)
        .collect();
        let typed = with_typos(&questions);
        assert_eq!(typed, with_typos(&questions), "the same typos every run");
        for (q, t) in questions.iter().zip(&typed) {
            let words = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
            let (before, after) = (words(&q.question), words(&t.question));
            assert_eq!(before.len(), after.len(), "{}", t.question);
            let changed: Vec<_> = before.iter().zip(&after).filter(|(a, b)| a != b).collect();
            assert_eq!(changed.len(), 1, "{} -> {}", q.question, t.question);
            let (word, typo) = changed[0];
            assert_ne!(word, &before[0], "never the first word: {}", t.question);
            assert!(word.trim_end_matches('?').chars().count() >= TYPO_MIN_LETTERS, "{word}");
            assert_eq!(word.chars().next(), typo.chars().next(), "{word} -> {typo}");
            assert!(one_edit(word, typo), "{word} -> {typo}");
        }
        // Nothing long enough to mistype: kept as asked.
        assert_eq!(with_typos(&[asked("Who won in 2016?")])[0].question, "Who won in 2016?");
    }
}
