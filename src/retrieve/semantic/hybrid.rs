//! Hybrid ranking: words, meaning and names across scripts, added per article.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::TopDocs;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Searcher, Term};

use super::{Fusion, Semantic, names, vectors};
use crate::analysis::{Script, analyze, detect_language};
use crate::index::{Fields, LANG_CODE, NewsIndex, SearchError};
use crate::retrieve::rank::{RERANK_DEPTH, RankedPassage};
use crate::retrieve::terms::{Lookups, QueryTerms};
use crate::retrieve::{AskOptions, Citations, Cited, Match, specific};

/// In hybrid ranking, the weight of the share of the question an article's best
/// passage covers in words, against the similarity of its nearest sentence in
/// meaning (about 0.2 to 0.7 for a sentence that answers), when some article
/// covers the whole question. It is scaled by the best coverage any article
/// reaches to the power [`SHARED_POWER`]: words count as much as they can be
/// shared. A question in the articles' language is mostly covered by its answer
/// (words weigh nearly this much, against [`NAME_WEIGHT`] as both were chosen on
/// the seed questions); a question in another language shares only names and
/// numbers with them (words weigh little, and mostly tell articles on one topic
/// apart by those).
const LEXICAL_WEIGHT: f32 = 0.6;

/// How fast words fade as less of the question can be shared (see
/// [`LEXICAL_WEIGHT`]). Chosen with [`SECOND_WEIGHT`] on XQuAD-R en->de and de->en
/// (BENCHMARKS.md, "Fusion that earns its place").
const SHARED_POWER: f32 = 1.5;

/// In hybrid ranking, the weight of the similarity of an article's second-nearest
/// sentence: an article near the question in two places is more likely about it
/// than one that has a single near sentence among unrelated ones.
const SECOND_WEIGHT: f32 = 0.3;

/// A name of the question written in the other script is evidence enough to cite
/// an article found by meaning when it is this rare (1 for a name in a single
/// passage, 0 for one in every passage): "Chernyev" meeting "Чернєв" in one
/// article of a hundred answers "What did Yehor Chernyev say about peacekeepers?"
/// even when the sentence nearest in meaning is not that near.
const RARE_NAME: f32 = 0.5;

/// In hybrid ranking, the weight of writing one of the question's names in the
/// other script (the only words two languages share).
const NAME_WEIGHT: f32 = 0.55;

/// How much nearer in meaning a sentence in the question's own language must be to
/// be cited by meaning alone: asked in the words of the archive, a question on its
/// topic shares them, so a sentence that is near but shares too few is most often
/// on another topic ("What is the IPCC?" asked of a news archive). Across languages
/// no words are shared, and the usual bar holds. Chosen on 637 questions of SQuAD
/// dev articles 0-23 asked of the seeds (off-topic answered) and XQuAD-R en, whole
/// and cut short (answerable refused), reported on other pools (BENCHMARKS.md, "A
/// sentence in the question's own language must be nearer").
const OWN_LANGUAGE_MARGIN: f32 = 0.07;

/// How much nearer in meaning a sentence must be to be cited by meaning alone when
/// every name the question gives is one the archive has nowhere, in either script.
/// Chosen on XQuAD-R en->de (answerable questions refused) and SQuAD dev articles
/// 0, 2, …, 22 asked of the seeds (off-topic questions answered), reported on the
/// other pools (BENCHMARKS.md, "Names the archive has nowhere").
const UNKNOWN_NAMES_MARGIN: f32 = 0.05;

/// The share of the question's weight the archive must hold somewhere (each term
/// weighed as in general English, where the list has it) for a sentence in the
/// question's own language to be cited by meaning alone. Across languages no
/// words are shared, and the usual bar holds. Chosen on SQuAD dev questions of
/// even-numbered articles asked of the seeds (off-topic answered), XQuAD-R en
/// (answerable refused) and held-out set A; reported on the odd half, XQuAD-R en
/// cut short and held-out set B (BENCHMARKS.md, "Questions that share too few
/// words with the archive").
const OWN_WORDS_HELD: f32 = 0.3;

/// The share of the question a passage must cover in words to be cited when its
/// own sentence is the article's nearest in meaning, and near enough to be cited
/// by meaning across languages ([`Semantic::answers`] without the
/// [`OWN_LANGUAGE_MARGIN`]): two signals that agree vouch for a paraphrase that
/// either alone would refuse ("what fraction of missles arrived thru purl" shares
/// a third of its words with the passage on PURL, which holds its nearest
/// sentence, not quite near enough on its own). Chosen on held-out set A
/// (answerable refused 9 -> 4 at 0.2 and 0.25, 5 at 0.3; off-topic answered 1
/// throughout) and SQuAD dev questions of even-numbered articles asked of the
/// seeds; reported on the odd half and held-out set B (BENCHMARKS.md, "Words and
/// meaning that agree").
const AGREEING_COVERAGE: f32 = 0.25;

/// How much less near than an article's nearest sentence another of its sentences
/// may be and still be quoted instead, when it holds more of the question's
/// numbers: meaning finds the part of the article the question is about, and the
/// number picks the sentence that answers ("Столтенберг 40 миллиардов помощи"
/// quotes "more than $40 billion", not the quote nearest in meaning). Chosen on
/// held-out seed questions (BENCHMARKS.md, "The number picks the sentence").
const NUMBER_SLACK: f32 = 0.1;

/// At most this many of an article's other sentences are weighed against its
/// nearest ([`NUMBER_SLACK`]): each is a stored passage to read.
const OTHER_SENTENCES: usize = 4;

impl NewsIndex {
    /// The question's vector, when the semantic layer is on and the question has a
    /// content word (symbols, emoji or "AND OR NOT" have no meaning to look for
    /// either).
    pub(crate) fn question_vector(
        &self,
        question: &str,
        query: &QueryTerms,
    ) -> Option<(&Semantic, Vec<f32>)> {
        let semantic = self.semantic.as_deref().filter(|_| !query.weights.is_empty())?;
        Some((semantic, semantic.query_vector(&embedded_question(question))?))
    }

    /// Hybrid ranking: each article scores by the nearest of its sentences in
    /// meaning ([`VectorStore::nearest`](vectors::VectorStore::nearest): cosine with
    /// each language's centre taken out), plus [`SECOND_WEIGHT`] times that of its
    /// second-nearest, plus [`LEXICAL_WEIGHT`] times the share of the question its
    /// best passage covers in words (times the best share any article covers, to
    /// the power [`SHARED_POWER`]),
    /// plus [`NAME_WEIGHT`] when it writes one of the question's names in the other
    /// script ([`names`]).
    ///
    /// Scores are added, not ranks fused: an article in another language than the
    /// question has no words in common with it, and rank fusion would let any
    /// same-language article that shares a few words outrank it.
    ///
    /// An article is cited when its lexical passage covers the question well
    /// enough (that passage, with its lexical excerpt), or else when its nearest
    /// sentence is close enough ([`Semantic::answers`]; that sentence is the
    /// excerpt), or when that passage holds its nearest sentence and both are a
    /// little less so ([`AGREEING_COVERAGE`]).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn hybrid(
        &self,
        searcher: &Searcher,
        query: &QueryTerms,
        lookups: &Lookups,
        semantic: &Semantic,
        query_vector: &[f32],
        options: AskOptions,
        question: &str,
    ) -> Result<Citations, SearchError> {
        #[derive(Default)]
        struct Entry {
            /// The article's best passage by words.
            lexical: Option<RankedPassage>,
            /// Its sentence nearest in meaning, and the passage holding it.
            semantic: Option<(vectors::Near, DocAddress)>,
            /// The similarity of its second-nearest sentence, when among those searched.
            second: Option<f32>,
            /// The weight of the question's names it writes in the other script.
            names: Option<f32>,
            /// Its other sentences nearly as near as its nearest ([`NUMBER_SLACK`]),
            /// nearest first, with their passages.
            others: Vec<(u64, DocAddress)>,
            /// The article's language ([`vectors::lang_code`]), when the index
            /// records it.
            lang: Option<u64>,
        }
        /// What the whole candidate list says about the question.
        struct Question {
            /// The best share of the question any article covers in words.
            best_coverage: f32,
            /// The similarity of the farthest sentence searched: below it, an
            /// article's second sentence is not known, only that it is no nearer.
            floor: f32,
            /// The question's language ([`vectors::lang_code`]; other languages in
            /// Latin letters share one code).
            lang: u64,
            /// The best share of the question any article in each language covers.
            best_by_lang: Vec<(Option<u64>, f32)>,
        }
        impl Question {
            /// What an article's coverage counts as ([`coverage_across`]).
            fn coverage_of(&self, entry: &Entry) -> f32 {
                let best_in = |lang: u64| {
                    self.best_by_lang.iter().find(|(l, _)| *l == Some(lang)).map_or(0.0, |(_, best)| *best)
                };
                coverage_across(entry.coverage(), entry.lang, self.lang, best_in)
            }
        }
        impl Entry {
            fn score(&self, fusion: Fusion, question: &Question) -> f32 {
                let meaning = self.semantic.as_ref().map(|(near, _)| {
                    (near.similarity, self.second.unwrap_or(question.floor).min(near.similarity))
                });
                match (fusion, meaning) {
                    (Fusion::DenseOnly, Some((nearest, _))) => nearest,
                    _ => fused(meaning, question.coverage_of(self), question.best_coverage, self.names),
                }
            }
            fn coverage(&self) -> f32 {
                self.lexical.as_ref().map_or(0.0, |hit| hit.coverage)
            }
        }
        let f = self.fields;
        let depth = ((options.k + options.offset) * 3).max(RERANK_DEPTH);
        let mut entries: HashMap<u64, Entry> = HashMap::new();

        let lexical_options = AskOptions { k: depth, offset: 0, keep_weak: true, ..options };
        let lexical = match semantic.fusion() {
            Fusion::Hybrid => self.rank(searcher, query, lookups, lexical_options)?.hits,
            Fusion::DenseOnly => Vec::new(),
        };
        for hit in lexical {
            let article = hit.article;
            entries.entry(article).or_default().lexical = Some(hit);
        }
        // The passage holding each nearest sentence; with filters, only sentences
        // of passages they let through count, checked as the vectors are searched.
        let restriction = lookups.restriction.as_ref();
        let passage_of = |key: u64| -> Result<Option<DocAddress>, SearchError> {
            let sentence = TermQuery::new(Term::from_field_u64(f.sentences, key), IndexRecordOption::Basic);
            // The same sentence may sit in several passages: without filters the first
            // will do, with them the first they let through.
            let limit = if restriction.is_some() { 8 } else { 1 };
            let found = searcher.search(&sentence, &TopDocs::with_limit(limit).order_by_score())?;
            Ok(found
                .into_iter()
                .map(|(_, address)| address)
                .find(|a| restriction.is_none_or(|r| r.accepts(a.segment_ord, a.doc_id))))
        };
        let mut looked_up: HashMap<u64, Option<DocAddress>> = HashMap::new();
        let nearest = match restriction {
            None => semantic.nearest(query_vector, depth * 2),
            Some(_) => semantic.nearest_where(query_vector, depth * 2, |near| {
                // A failed look-up leaves the sentence out.
                let address = passage_of(near.key).ok().flatten();
                looked_up.insert(near.key, address);
                address.is_some()
            }),
        };
        let mut found = 0;
        let floor = nearest.last().map_or(0.0, |near| near.similarity);
        for near in nearest {
            let address = match looked_up.get(&near.key) {
                Some(address) => *address,
                None => passage_of(near.key)?,
            };
            // A vector of a sentence no longer in the index finds nothing.
            let Some(address) = address else {
                continue;
            };
            let article = lookups.article_of(address);
            // Past `depth` articles, sentences only tell those found their second.
            if found == depth && entries.get(&article).is_none_or(|e| e.semantic.is_none()) {
                continue;
            }
            let entry = entries.entry(article).or_default();
            match &entry.semantic {
                None => {
                    entry.semantic = Some((near, address));
                    found += 1;
                }
                Some((nearest, _)) => {
                    if entry.second.is_none() {
                        entry.second = Some(near.similarity);
                    }
                    if near.similarity >= nearest.similarity - NUMBER_SLACK
                        && entry.others.len() < OTHER_SENTENCES
                    {
                        entry.others.push((near.key, address));
                    }
                }
            }
        }
        // Each name weighs by how rare it is in both scripts: 0 for a name in
        // every passage ("Ukraine", "Україна"), 1 for one in a single passage.
        let passages = searcher.num_docs().max(2) as f32;
        let names = match semantic.fusion() {
            Fusion::Hybrid => {
                // A word in lower case is an ordinary word when the archive has it
                // in more passages than it writes it capitalised ("parliament"),
                // a name when not ("chernyev", "rutte"); a word common in general
                // English is one however written ("Parliament", "US").
                let df = |term: Term| searcher.doc_freq(&term).unwrap_or(0);
                // A word read as a typo of the archive's ("parliment") is that
                // word mistyped, not a name ("Парламентській").
                let mistyped: Vec<String> =
                    query.corrected.iter().flat_map(|(typed, _)| analyze(typed)).map(|t| t.text).collect();
                // A word of general English typed in lower case ("genus", "plague")
                // is a name only where the archive writes it capitalised in its
                // own script ("putin" with "Putin").
                let ordinary = |term: &str, own_key: &str, capitalised: bool| {
                    if specific::too_common_for_a_name(term) || mistyped.iter().any(|t| t == term) {
                        return true;
                    }
                    if capitalised {
                        return false;
                    }
                    let as_name = df(Term::from_field_text(f.names, own_key));
                    df(Term::from_field_text(f.body, term)) > as_name
                        || as_name == 0 && specific::an_english_word(term)
                };
                names::foreign_name_keys(question, &ordinary)
            }
            Fusion::DenseOnly => Vec::new(),
        };
        for key in names {
            let there = Term::from_field_text(f.names, &key);
            let df_there = searcher.doc_freq(&there)? as f32;
            if df_there == 0.0 {
                continue;
            }
            let df_here =
                searcher.doc_freq(&Term::from_field_text(f.names, &names::own_script(&key)))? as f32;
            let weight = ((passages / (df_there + df_here)).ln() / passages.ln()).clamp(0.0, 1.0);
            let query = TermQuery::new(there, IndexRecordOption::Basic);
            for (_, address) in searcher.search(&query, &TopDocs::with_limit(depth).order_by_score())? {
                // Only articles already found by words or meaning are raised.
                if let Some(entry) = entries.get_mut(&lookups.article_of(address)) {
                    entry.names = Some(entry.names.unwrap_or(0.0).max(weight));
                }
            }
        }

        let fusion = semantic.fusion();
        let unknown_names = fusion == Fusion::Hybrid && names_only_unknown(searcher, f, question);
        let margin = if unknown_names { UNKNOWN_NAMES_MARGIN } else { 0.0 };
        let own_language = own_language(question);
        // Asked in the archive's language, a question on what the archive holds
        // shares its words: when the archive has too few of them anywhere
        // ("pancakes without eggs recipe" shares only "without"), a sentence in
        // its own language that is near in meaning is about something else.
        let own_words_held = held_anywhere(query, lookups) >= OWN_WORDS_HELD;
        let own_margin = if fusion == Fusion::Hybrid { margin.max(OWN_LANGUAGE_MARGIN) } else { margin };
        // Each article's language, from the passage cited for it.
        let langs = self.lang_codes.get(searcher, || {
            let columns: tantivy::Result<Arc<[_]>> = searcher
                .segment_readers()
                .iter()
                .map(|reader| reader.fast_fields().column_opt::<u64>(LANG_CODE))
                .collect();
            columns
        })?;
        for entry in entries.values_mut() {
            let address = match (&entry.lexical, &entry.semantic) {
                (Some(hit), _) => hit.address,
                (None, Some((_, address))) => *address,
                (None, None) => continue,
            };
            entry.lang = langs[address.segment_ord as usize].as_ref().and_then(|c| c.first(address.doc_id));
        }
        let mut best_by_lang: Vec<(Option<u64>, f32)> = Vec::new();
        for entry in entries.values() {
            match best_by_lang.iter_mut().find(|(lang, _)| *lang == entry.lang) {
                Some((_, best)) => *best = best.max(entry.coverage()),
                None => best_by_lang.push((entry.lang, entry.coverage())),
            }
        }
        let question = Question {
            best_coverage: entries.values().map(Entry::coverage).fold(0.0, f32::max),
            floor,
            // A question in none of the three (German, Spanish) goes with the
            // other languages, which share one code.
            lang: u64::from(own_language.unwrap_or(vectors::lang_code("und"))),
            best_by_lang,
        };
        let mut order: Vec<(f32, u64, Entry)> =
            entries.into_iter().map(|(key, e)| (e.score(fusion, &question), key, e)).collect();
        // Ties go the same way every time.
        order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut out = Citations { cited: Vec::new(), coverage: 0.0, answered: false };
        let mut rank = 0;
        for (n, (score, _, entry)) in order.into_iter().enumerate() {
            let coverage = entry.lexical.as_ref().map_or(0.0, |hit| hit.coverage);
            // Found by its words: they must cover enough of the question, and
            // not only its common words (the shares in general English that words
            // alone also need are left to meaning, which vouches for more).
            let lexical_ok = entry.lexical.as_ref().is_some_and(|hit| {
                hit.coverage >= options.min_coverage && query.english_bar.holds_enough(hit.english_held)
            });
            // Found by meaning: its nearest sentence must be close enough, or it
            // must write one of the question's rarer names in the other script.
            let semantic_ok = entry.semantic.as_ref().is_some_and(|(near, _)| {
                let own = Some(near.lang) == own_language;
                (!own || own_words_held) && semantic.answers(near, if own { own_margin } else { margin })
            });
            let names_ok = entry.semantic.is_some() && entry.names.is_some_and(|w| w >= RARE_NAME);
            // Found by both in the same passage: less of each will do.
            let agreeing_ok = match (&entry.semantic, &entry.lexical) {
                (Some((near, address)), Some(hit)) => {
                    *address == hit.address
                        && hit.coverage >= AGREEING_COVERAGE
                        && query.english_bar.holds_enough(hit.english_held)
                        && semantic.answers(near, margin)
                }
                _ => false,
            };
            let ok = lexical_ok || semantic_ok || names_ok || agreeing_ok;
            if n == 0 {
                out.coverage = coverage;
            }
            if !ok && !options.keep_weak {
                continue;
            }
            rank += 1;
            // Answered when the first result shown (or skipped, for "More") is
            // strong enough to cite: without weak results, whenever there is one.
            if rank == 1 {
                out.answered = ok;
            }
            if rank <= options.offset {
                continue;
            }
            let matched =
                |alone| if entry.lexical.is_some() && entry.semantic.is_some() { Match::Both } else { alone };
            // The lexical passage when its words answer (alone, or with meaning
            // agreeing), else the sentence nearest in meaning.
            let cited = match (&entry.semantic, &entry.lexical) {
                (Some((near, address)), lexical) if !(lexical_ok || agreeing_ok) || lexical.is_none() => {
                    Cited {
                        address: *address,
                        score,
                        matched: matched(Match::Semantic),
                        sentence: Some(near.key),
                        near: None,
                        strong: ok,
                        others: entry.others.clone(),
                    }
                }
                (semantic, Some(hit)) => Cited {
                    address: hit.address,
                    score,
                    matched: matched(Match::Lexical),
                    sentence: None,
                    near: semantic
                        .as_ref()
                        .filter(|(_, address)| *address == hit.address)
                        .map(|(near, _)| near.key),
                    strong: ok,
                    others: Vec::new(),
                },
                (_, None) => continue,
            };
            out.cited.push(cited);
            if out.cited.len() == options.k {
                break;
            }
        }
        Ok(out)
    }
}

/// The share of the question's weight whose terms the archive holds anywhere, in
/// a body or a title, each weighed by [`QueryTerms::english_weight`].
fn held_anywhere(query: &QueryTerms, lookups: &Lookups) -> f32 {
    let (mut held, mut all) = (0.0, 0.0);
    for (i, term) in lookups.terms.iter().enumerate() {
        let weight = query.english_weight(term);
        all += weight;
        if lookups.body_df[i] > 0 || lookups.title_df[i] > 0 {
            held += weight;
        }
    }
    if all > 0.0 { held / all } else { 0.0 }
}

/// Whether every name the question gives is one the archive has nowhere, in either
/// script ("Paris" asked of an archive that never mentions it): a sentence near in
/// meaning is then about something else ("What is the weather in Paris?" is not
/// answered by "Winter is very long") unless it is very near. Only when none of its
/// names is known: a name translated rather than transliterated ("Сполучені Штати")
/// is unknown too, and a question on the archive's topics names something else it
/// knows.
fn names_only_unknown(searcher: &Searcher, f: Fields, question: &str) -> bool {
    let df = |field, text: &str| searcher.doc_freq(&Term::from_field_text(field, text)).unwrap_or(0);
    let named = names::named_words(question);
    !named.is_empty()
        && read_as_english_or_cyrillic(question)
        && named.iter().all(|(terms, keys)| {
            terms.iter().all(|t| df(f.body, t) == 0 && df(f.title, t) == 0)
                && keys.iter().all(|k| df(f.names, k) == 0)
        })
}

/// What an article's word coverage counts as in hybrid ranking, given its
/// language (`None` when unknown), the question's, and the best coverage of any
/// article in a language (`best_in`). In another language written, as the
/// question is, in Latin letters (a German feed asked in English), words are
/// hardly shared and no name crosses scripts to make up for it, so the best
/// article of that language is put on a par with the best in the question's own,
/// and meaning decides between them. Ukrainian and Russian share stems, and a
/// question in the other script has names as its bridge: their coverage counts as
/// it is, as does that of an article in the question's own language.
fn coverage_across(coverage: f32, lang: Option<u64>, question: u64, best_in: impl Fn(u64) -> f32) -> f32 {
    match lang {
        Some(lang) if lang != question && latin(lang) && latin(question) => {
            coverage + best_in(question) - best_in(lang)
        }
        _ => coverage,
    }
}

/// Whether a language ([`vectors::lang_code`]) is written in Latin letters:
/// Ukrainian and Russian are not; English and the languages without a code of
/// their own (German, Spanish, …) are taken to be, as the archives this serves
/// hold them.
fn latin(lang: u64) -> bool {
    !matches!(u8::try_from(lang), Ok(code) if code == vectors::lang_code("uk") || code == vectors::lang_code("ru"))
}

/// The language of the question as the sentence vectors record theirs
/// ([`vectors::lang_code`]), when it is one whose words the archive's are matched
/// with: Ukrainian, Russian, or English. A question in Latin letters with a
/// function word of another language ("Wann", "¿Cuántos", "dans") is not English.
fn own_language(question: &str) -> Option<u8> {
    match detect_language(question) {
        "en" if has_foreign_function_word(question) => None,
        lang @ ("en" | "uk" | "ru") => Some(vectors::lang_code(lang)),
        _ => None,
    }
}

/// Frequent function words of German, Spanish, French, Portuguese and Italian that
/// English does not use ("die", "was", "in" and the like are left out). A name's
/// particle ("von Braun", "du Pont") counts too, and leaves an English question
/// read as of no known language: judged as before, by the usual bar.
const FOREIGN_FUNCTION_WORDS: &[&str] = &[
    "der", "das", "dem", "den", "des", "und", "ist", "sind", "wird", "wurde", "wurden", "werden", "haben",
    "wie", "wann", "wer", "wo", "warum", "welche", "welcher", "welches", "welchen", "viele", "ein", "eine",
    "einen", "einem", "einer", "im", "auf", "mit", "für", "von", "zu", "nicht", "sich", "auch", "als", "bei",
    "nach", "oder", "über", "vor", "durch", "el", "la", "los", "las", "que", "qué", "del", "por", "para",
    "con", "una", "uno", "unos", "unas", "es", "fue", "fueron", "como", "cómo", "cuál", "cuáles", "cuándo",
    "dónde", "quién", "quiénes", "cuánto", "cuánta", "cuántos", "cuántas", "se", "su", "sus", "al", "lo",
    "más", "entre", "porque", "según", "le", "les", "du", "une", "est", "sont", "qui", "quel", "quelle",
    "quels", "quelles", "quand", "où", "dans", "pour", "avec", "sur", "ce", "cette", "os", "da", "dos", "um",
    "uma", "em", "não", "foi", "quem", "qual", "quando", "onde", "il", "gli", "della", "di", "che", "è",
];

fn has_foreign_function_word(text: &str) -> bool {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|word| !word.is_empty())
        .any(|word| FOREIGN_FUNCTION_WORDS.contains(&word.to_lowercase().as_str()))
}

/// Whether most of the question's words in lower case are English words (the
/// stopwords among them) or Cyrillic: a language whose capitals mark names. German
/// capitalises every noun, and its nouns are no more names than English ones.
fn read_as_english_or_cyrillic(question: &str) -> bool {
    let (mut read, mut words) = (0, 0);
    for term in analyze(question) {
        if question[term.start..].starts_with(char::is_uppercase) {
            continue;
        }
        words += 1;
        let known = term.stopword
            || match term.script {
                Script::Cyrillic => true,
                Script::Latin => specific::background(&term.text, term.script).is_some_and(|b| b.listed),
                Script::Number | Script::Other => false,
            };
        read += usize::from(known);
    }
    words > 0 && read * 2 >= words
}

/// An article's hybrid score: the similarity of its nearest and second-nearest
/// sentences (`None` when it is not among those nearest), the share of the question
/// its best passage covers in words and the best share any article covers, and the
/// weight of the question's rarest name it writes in the other script.
/// Names weigh less as the words can be shared.
fn fused(meaning: Option<(f32, f32)>, coverage: f32, best_coverage: f32, names: Option<f32>) -> f32 {
    let (nearest, second) = meaning.unwrap_or((0.0, 0.0));
    // Words weigh as much as the question can be shared in them; a name written in
    // the other script fades too as the question is shared in words (when another
    // article covers it in its own words, that is where the answer is), but later:
    // squared, chosen on the seed sets, the only ones with two scripts.
    let shared = best_coverage.powf(SHARED_POWER);
    nearest
        + SECOND_WEIGHT * second
        + LEXICAL_WEIGHT * shared * coverage
        + NAME_WEIGHT * (1.0 - shared * shared) * names.map_or(0.0, |weight| 0.75 + 0.25 * weight)
}

/// The question as sent to the embedding server: words with the quotes and signs
/// that search engines read as operators taken off their edges, so that
/// `"Stoltenberg"` and `-Stoltenberg` mean what `Stoltenberg` does, as they do
/// lexically.
fn embedded_question(question: &str) -> String {
    let operator = |c: char| matches!(c, '"' | '\'' | '«' | '»' | '“' | '”' | '-' | '+' | '*' | '~' | '^');
    question
        .split_whitespace()
        .map(|word| word.trim_matches(operator))
        .filter(|word| !word.is_empty() && !matches!(*word, "AND" | "OR" | "NOT"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_questions_own_language_is_english_ukrainian_or_russian() {
        let en = Some(vectors::lang_code("en"));
        assert_eq!(own_language("When did England declare war on France?"), en);
        assert_eq!(own_language("purl missiles how much"), en);
        assert_eq!(own_language("Коли Рютте відвідав Київ?"), Some(vectors::lang_code("uk")));
        assert_eq!(own_language("Когда Рютте посетил Киев?"), Some(vectors::lang_code("ru")));
        // Latin letters, another language.
        assert_eq!(own_language("Wann erklärte England Frankreich offiziell den Krieg?"), None);
        assert_eq!(own_language("¿Cuántos puntos dejaron escapar los Panthers?"), None);
        assert_eq!(own_language("Quand la guerre a-t-elle commencé ?"), None);
        assert_eq!(own_language("?!"), None);
    }

    #[test]
    fn across_languages_a_little_shared_wording_does_not_outweigh_meaning() {
        // A question in English over German articles shares a name and a number
        // with one of them (a fifth of its weight) while another is nearer in meaning.
        let best_coverage = 0.2;
        let nearer = fused(Some((0.55, 0.40)), 0.0, best_coverage, None);
        let shares_words = fused(Some((0.50, 0.40)), 0.2, best_coverage, None);
        assert!(nearer > shares_words, "{nearer} against {shares_words}");
    }

    #[test]
    fn within_a_language_the_words_of_the_answer_still_count() {
        // The answer covers most of the question; another article is a little
        // nearer in meaning and covers a third.
        let best_coverage = 0.8;
        let covers = fused(Some((0.50, 0.35)), 0.8, best_coverage, None);
        let nearer = fused(Some((0.56, 0.35)), 0.3, best_coverage, None);
        assert!(covers > nearer, "{covers} against {nearer}");
    }

    #[test]
    fn in_a_mixed_archive_the_best_of_each_latin_language_meets_the_other_on_meaning() {
        let (en, de, uk) = (u64::from(vectors::lang_code("en")), 255, u64::from(vectors::lang_code("uk")));
        let best_in = |lang: u64| match lang {
            l if l == en => 0.8,
            l if l == de => 0.1,
            _ => 0.2,
        };
        let best_coverage = 0.8;
        // An English question: the English article shares its words, the German
        // one answers it and is nearer in meaning.
        let english = coverage_across(0.8, Some(en), en, best_in);
        let german = coverage_across(0.1, Some(de), en, best_in);
        assert_eq!(english, 0.8);
        assert!((german - 0.8).abs() < 1e-6, "{german}");
        let shares_words = fused(Some((0.40, 0.30)), english, best_coverage, None);
        let nearer = fused(Some((0.50, 0.30)), german, best_coverage, None);
        assert!(nearer > shares_words, "{nearer} against {shares_words}");
        // A weaker German article stays behind the best German one.
        assert!(coverage_across(0.05, Some(de), en, best_in) < german);
        // Ukrainian (another script, names bridge it), an unknown language and
        // the question's own count as they are.
        assert_eq!(coverage_across(0.2, Some(uk), en, best_in), 0.2);
        assert_eq!(coverage_across(0.3, None, en, best_in), 0.3);
        assert_eq!(coverage_across(0.3, Some(en), en, best_in), 0.3);
        // Russian asked of Ukrainian articles: they share stems, so words count.
        let ru = u64::from(vectors::lang_code("ru"));
        assert_eq!(coverage_across(0.2, Some(uk), ru, best_in), 0.2);
    }

    #[test]
    fn a_second_near_sentence_raises_an_article() {
        let twice = fused(Some((0.50, 0.48)), 0.0, 0.0, None);
        let once = fused(Some((0.52, 0.20)), 0.0, 0.0, None);
        assert!(twice > once, "{twice} against {once}");
    }

    #[test]
    fn a_name_in_the_other_script_does_not_outweigh_an_article_covering_the_question() {
        // "What did Rutte promise parliament…": the English article covers three
        // quarters of it; the Ukrainian one writes "Рютте", a common name there.
        let best_coverage = 0.74;
        let covers = fused(Some((0.26, 0.25)), 0.74, best_coverage, None);
        let named = fused(Some((0.26, 0.21)), 0.0, best_coverage, Some(0.18));
        assert!(covers > named, "{covers} against {named}");
    }

    #[test]
    fn a_name_in_the_other_script_still_outweighs_a_nearer_sentence() {
        // "Chernyev" meeting "Чернєв": the seeds' cross-lingual case.
        let named = fused(Some((0.25, 0.20)), 0.0, 0.1, Some(0.9));
        let nearer = fused(Some((0.45, 0.40)), 0.1, 0.1, None);
        assert!(named > nearer, "{named} against {nearer}");
    }
}
