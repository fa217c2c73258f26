//! BM25 candidates, scored term at a time.
//!
//! The question's terms were already looked up once and their postings opened (in
//! every segment scored here): each posting list is read from a copy of its cursor,
//! and every posting adds its BM25 score to an accumulator indexed by document. The
//! cursors themselves stay at the start of their lists, for re-ranking to seek the
//! candidates in. Only the documents touched are ranked and then cleared, so the
//! accumulator is reused from question to question without being cleared whole.
//!
//! The scores are tantivy's BM25 (the same `K1`, `B`, IDF and field-length
//! quantisation), summed over the clauses. tantivy's own disjunction (block-max
//! WAND) skips postings instead, but its per-question cost (a weight and a scorer per
//! clause, each looking its term up again) was most of a question's time on small
//! and middling archives. Term at a time reads every posting, so its cost grows with
//! the posting lists; the search module keeps them short by leaving very common terms
//! out of the candidate query.

use std::cell::RefCell;

use rustc_hash::FxHashMap;
use tantivy::BitSet;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::schema::Field;
use tantivy::{DocAddress, DocId, DocSet, Searcher, SegmentReader, TERMINATED};

/// tantivy's BM25 parameters.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// A field's length normalisation, `K1 × (1 − B + B × length / average)`, for each
/// of the 256 quantised field lengths tantivy stores.
pub(crate) struct FieldNorms {
    pub field: Field,
    norms: [f32; 256],
}

impl FieldNorms {
    /// Norms for a field whose average length over the archive is `average_length`.
    pub fn new(field: Field, average_length: f32) -> FieldNorms {
        let mut norms = [0.0; 256];
        for (id, norm) in norms.iter_mut().enumerate() {
            let length = FieldNormReader::id_to_fieldnorm(id as u8) as f32;
            *norm = K1 * (1.0 - B + B * length / average_length);
        }
        FieldNorms { field, norms }
    }
}

/// BM25's inverse document frequency, as tantivy computes it.
pub(crate) fn idf(doc_freq: u64, doc_count: u64) -> f32 {
    let rest = doc_count.saturating_sub(doc_freq) as f32;
    (1.0 + (rest + 0.5) / (doc_freq as f32 + 0.5)).ln()
}

/// One term in one field of the query.
pub(crate) struct Clause {
    /// Index into the [`FieldNorms`] given to [`top`].
    pub field: usize,
    /// `idf × (1 + K1) × boost`.
    pub weight: f32,
}

impl Clause {
    pub fn new(field: usize, doc_freq: u64, doc_count: u64, boost: f32) -> Clause {
        Clause { field, weight: idf(doc_freq, doc_count) * (1.0 + K1) * boost }
    }
}

/// Per-thread accumulator, reused across questions: `scores` is all zeros between
/// calls, and `touched` lists the documents scored in the current segment.
#[derive(Default)]
struct Accumulator {
    scores: Vec<f32>,
    touched: Vec<DocId>,
}

thread_local! {
    static ACCUMULATOR: RefCell<Accumulator> = RefCell::default();
}

/// Segments with more documents than this are left to tantivy's block-max WAND (the
/// `large` argument of [`top`]): an accumulator that size in every thread that asks
/// costs memory, and reading long posting lists whole touches much more of the index
/// than WAND, which skips blocks. At a million passages, `serve`'s peak RSS was
/// 324 MB with every segment scored term at a time and 299 MB with this limit.
pub(crate) const DENSE_MAX_DOCS: u32 = 1 << 17;

/// The `limit` best documents by the summed BM25 score of `clauses`, best first (ties
/// by address). `postings(segment, clause)` gives a clause's postings in a segment,
/// at their start (`None` when its term is absent there). Segments of more than
/// `dense_max_docs` documents are scored by `large(segment_ord, segment)` instead,
/// which must return its own best `limit` with the same scores. Deleted documents
/// are left out, and so are those `accept(segment_ord, doc)` refuses (the
/// question's filters; `large` must refuse them too).
#[allow(clippy::too_many_arguments)]
pub(crate) fn top(
    searcher: &Searcher,
    fields: &[FieldNorms],
    clauses: &[Clause],
    postings: impl Fn(usize, usize) -> tantivy::Result<Option<SegmentPostings>>,
    limit: usize,
    dense_max_docs: u32,
    accept: impl Fn(u32, DocId) -> bool,
    mut large: impl FnMut(u32, &SegmentReader) -> tantivy::Result<Vec<(f32, DocAddress)>>,
) -> tantivy::Result<Vec<(f32, DocAddress)>> {
    let mut best: Vec<(f32, DocAddress)> = Vec::new();
    if limit == 0 {
        return Ok(best);
    }
    ACCUMULATOR.with_borrow_mut(|acc| {
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            if segment.max_doc() > dense_max_docs {
                for hit in large(ord as u32, segment)? {
                    offer(&mut best, hit, limit);
                }
                continue;
            }
            let max_doc = segment.max_doc() as usize;
            if acc.scores.len() < max_doc {
                acc.scores.resize(max_doc, 0.0);
            }
            acc.touched.clear();
            let scored = score_segment(segment, fields, clauses, |c| postings(ord, c), acc);
            let alive = segment.alive_bitset();
            for &doc in &acc.touched {
                if alive.is_none_or(|alive| alive.is_alive(doc)) && accept(ord as u32, doc) {
                    offer(&mut best, (acc.scores[doc as usize], DocAddress::new(ord as u32, doc)), limit);
                }
                // Cleared even when scoring failed half way, for the next question.
                acc.scores[doc as usize] = 0.0;
            }
            scored?;
        }
        Ok(best)
    })
}

/// Adds every clause's postings in one segment to the accumulator.
fn score_segment(
    segment: &SegmentReader,
    fields: &[FieldNorms],
    clauses: &[Clause],
    postings: impl Fn(usize) -> tantivy::Result<Option<SegmentPostings>>,
    acc: &mut Accumulator,
) -> tantivy::Result<()> {
    each_posting(
        segment,
        fields,
        clauses,
        postings,
        |_| true,
        |doc, contribution| {
            let score = &mut acc.scores[doc as usize];
            // Every posting scores above zero, so zero means untouched.
            if *score == 0.0 {
                acc.touched.push(doc);
            }
            *score += contribution;
        },
    )
}

/// Calls `add` with every posting of every clause in one segment that `keep` lets
/// through, and the BM25 score it adds to its document. `postings(clause)` gives
/// the clause's postings in the segment, at their start.
fn each_posting(
    segment: &SegmentReader,
    fields: &[FieldNorms],
    clauses: &[Clause],
    postings: impl Fn(usize) -> tantivy::Result<Option<SegmentPostings>>,
    keep: impl Fn(DocId) -> bool,
    mut add: impl FnMut(DocId, f32),
) -> tantivy::Result<()> {
    let mut lengths = Vec::with_capacity(fields.len());
    for f in fields {
        lengths.push(segment.get_fieldnorms_reader(f.field)?);
    }
    for (c, clause) in clauses.iter().enumerate() {
        let Some(mut postings) = postings(c)? else { continue };
        let norms = &fields[clause.field].norms;
        let length = &lengths[clause.field];
        let mut doc = postings.doc();
        while doc != TERMINATED {
            if keep(doc) {
                let freq = postings.term_freq() as f32;
                let norm = norms[length.fieldnorm_id(doc) as usize];
                add(doc, clause.weight * (freq / (freq + norm)));
            }
            doc = postings.advance();
        }
    }
    Ok(())
}

/// The `limit` best documents of one segment among those in `within` (a filter's
/// passages), by the summed BM25 score of `clauses`: every posting of the clauses
/// is read, but only those in `within` are scored, into a map as large as they
/// are. For a segment too large for the accumulator ([`DENSE_MAX_DOCS`]) when a
/// filter lets few of its passages through: block-max WAND could not skip the
/// postings (nothing outside raises the bar), and would score them all.
pub(crate) fn top_within(
    segment: &SegmentReader,
    ord: u32,
    fields: &[FieldNorms],
    clauses: &[Clause],
    postings: impl Fn(usize) -> tantivy::Result<Option<SegmentPostings>>,
    limit: usize,
    within: &BitSet,
) -> tantivy::Result<Vec<(f32, DocAddress)>> {
    let mut best = Vec::new();
    if limit == 0 {
        return Ok(best);
    }
    let mut scores: FxHashMap<DocId, f32> = FxHashMap::default();
    each_posting(
        segment,
        fields,
        clauses,
        postings,
        |doc| within.contains(doc),
        |doc, contribution| {
            *scores.entry(doc).or_default() += contribution;
        },
    )?;
    let alive = segment.alive_bitset();
    for (doc, score) in scores {
        if alive.is_none_or(|alive| alive.is_alive(doc)) {
            offer(&mut best, (score, DocAddress::new(ord, doc)), limit);
        }
    }
    Ok(best)
}

/// The `limit` best documents of one large segment by `weight` (block-max WAND),
/// among those `accept` lets through and not deleted: what tantivy's `TopDocs`
/// gives, with the filter checked before a document can raise the threshold.
pub(crate) fn top_wand_where(
    weight: &dyn tantivy::query::Weight,
    ord: u32,
    segment: &SegmentReader,
    limit: usize,
    accept: impl Fn(DocId) -> bool,
) -> tantivy::Result<Vec<(f32, DocAddress)>> {
    let mut best: Vec<(f32, DocAddress)> = Vec::with_capacity(limit + 1);
    if limit == 0 {
        return Ok(best);
    }
    let alive = segment.alive_bitset();
    let mut threshold = f32::MIN;
    weight.for_each_pruning(f32::MIN, segment, &mut |doc, score| {
        if alive.is_none_or(|alive| alive.is_alive(doc)) && accept(doc) {
            offer(&mut best, (score, DocAddress::new(ord, doc)), limit);
            if best.len() == limit {
                threshold = best[limit - 1].0;
            }
        }
        threshold
    })?;
    Ok(best)
}

/// Adds a hit to `best` (at most `limit`, best first, ties by address) when it
/// belongs there: most hits fall below the last one and cost one comparison.
fn offer(best: &mut Vec<(f32, DocAddress)>, hit: (f32, DocAddress), limit: usize) {
    let before = |a: &(f32, DocAddress), b: &(f32, DocAddress)| a.0 > b.0 || (a.0 == b.0 && a.1 < b.1);
    if best.len() == limit {
        if !before(&hit, &best[limit - 1]) {
            return;
        }
        best.pop();
    }
    let at = best.partition_point(|held| before(held, &hit));
    best.insert(at, hit);
}

#[cfg(test)]
mod tests {
    use tantivy::collector::{Collector, TopDocs};
    use tantivy::postings::TermInfo;
    use tantivy::query::{BooleanQuery, BoostQuery, EnableScoring, Occur, Query, TermQuery};
    use tantivy::schema::{IndexRecordOption, STRING, Schema, TEXT};
    use tantivy::{Index, IndexWriter, TantivyDocument, Term};

    use super::*;

    /// The same top documents and scores as tantivy's own BM25 disjunction (title
    /// boosted), over several segments with a deleted document.
    #[test]
    fn scores_as_tantivy_does() {
        let mut builder = Schema::builder();
        let id = builder.add_text_field("id", STRING);
        let body = builder.add_text_field("body", TEXT);
        let title = builder.add_text_field("title", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter<TantivyDocument> = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let words = ["nato", "summit", "missile", "ukraine", "tank", "grain", "port", "minister"];
        for n in 0..300u32 {
            let text: Vec<&str> = (0..(3 + n % 17)).map(|i| words[((n * 7 + i * i) % 8) as usize]).collect();
            let mut doc = TantivyDocument::new();
            doc.add_text(id, n.to_string());
            doc.add_text(body, text.join(" "));
            doc.add_text(title, words[(n % 8) as usize]);
            writer.add_document(doc).unwrap();
            if n == 99 || n == 259 {
                writer.commit().unwrap();
            }
        }
        writer.delete_term(Term::from_field_text(id, "42"));
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert!(searcher.segment_readers().len() > 1);

        let asked = ["missile", "grain", "minister"];
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut ours = Vec::new();
        let mut terms = Vec::new();
        let doc_count = searcher.segment_readers().iter().map(|r| u64::from(r.max_doc())).sum::<u64>();
        for word in asked {
            for (slot, field, boost) in [(0, body, 1.0), (1, title, 0.5)] {
                let term = Term::from_field_text(field, word);
                let query = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(query), boost))));
                ours.push(Clause::new(slot, searcher.doc_freq(&term).unwrap(), doc_count, boost));
                terms.push(term);
            }
        }
        let query = BooleanQuery::new(clauses);
        let expected = searcher.search(&query, &TopDocs::with_limit(25).order_by_score()).unwrap();
        let average = |field| {
            let tokens: u64 = searcher
                .segment_readers()
                .iter()
                .map(|r| r.inverted_index(field).unwrap().total_num_tokens())
                .sum();
            tokens as f32 / doc_count as f32
        };
        let fields = [FieldNorms::new(body, average(body)), FieldNorms::new(title, average(title))];
        let infos: Vec<Vec<Option<TermInfo>>> = searcher
            .segment_readers()
            .iter()
            .map(|r| {
                terms.iter().map(|t| r.inverted_index(t.field()).unwrap().get_term_info(t).unwrap()).collect()
            })
            .collect();
        let postings = |s: usize, c: usize| -> tantivy::Result<Option<SegmentPostings>> {
            let Some(info) = &infos[s][c] else { return Ok(None) };
            let index = searcher.segment_reader(s as u32).inverted_index(terms[c].field())?;
            Ok(Some(index.read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?))
        };
        let weight = query.weight(EnableScoring::enabled_from_searcher(&searcher)).unwrap();
        let wand = |ord: u32, segment: &SegmentReader| {
            let collector = TopDocs::with_limit(25).order_by_score();
            collector.merge_fruits(vec![collector.collect_segment(weight.as_ref(), ord, segment)?])
        };
        let ask = |dense_max_docs| {
            top(&searcher, &fields, &ours, postings, 25, dense_max_docs, |_, _| true, wand).unwrap()
        };
        let found = ask(u32::MAX);
        // Segments left to tantivy (all of them, or the larger ones) give the same.
        for dense_max_docs in [0, 150] {
            let mixed = ask(dense_max_docs);
            assert_eq!(mixed.len(), found.len());
            for ((a, _), (b, _)) in mixed.iter().zip(&found) {
                assert!((a - b).abs() < 1e-4, "{a} vs {b}");
            }
        }

        assert_eq!(found.len(), expected.len());
        let deleted = |address: &DocAddress| {
            searcher
                .segment_reader(address.segment_ord)
                .alive_bitset()
                .is_some_and(|a| a.is_deleted(address.doc_id))
        };
        assert!(!found.iter().any(|(_, address)| deleted(address)));
        for ((score, address), (their_score, their_address)) in found.iter().zip(&expected) {
            assert!((score - their_score).abs() < 1e-4, "{score} vs {their_score}");
            // Equal scores may sit in either order.
            if (score - their_score).abs() < 1e-6 && address != their_address {
                assert!(expected.iter().any(|(s, a)| a == address && (s - score).abs() < 1e-4));
            }
        }
        // The accumulator is left clean: asking again gives the same.
        assert_eq!(ask(u32::MAX), found);

        // Filtered (a third of the documents): term at a time, WAND checking each
        // document, and the postings read against a bit set, all give the best
        // documents within the filter, with tantivy's scores.
        let passes = |doc: DocId| doc % 3 == 1;
        let within: Vec<BitSet> = searcher
            .segment_readers()
            .iter()
            .map(|r| {
                let mut bits = BitSet::with_max_value(r.max_doc());
                (0..r.max_doc()).filter(|&d| passes(d)).for_each(|d| {
                    bits.insert(d);
                });
                bits
            })
            .collect();
        let taat = top(&searcher, &fields, &ours, postings, 25, u32::MAX, |_, d| passes(d), wand).unwrap();
        let wand_where =
            |ord: u32, segment: &SegmentReader| top_wand_where(weight.as_ref(), ord, segment, 25, passes);
        let by_wand = top(&searcher, &fields, &ours, postings, 25, 0, |_, d| passes(d), wand_where).unwrap();
        let bit_set = |ord: u32, segment: &SegmentReader| {
            top_within(segment, ord, &fields, &ours, |c| postings(ord as usize, c), 25, &within[ord as usize])
        };
        let by_bits = top(&searcher, &fields, &ours, postings, 25, 0, |_, d| passes(d), bit_set).unwrap();
        assert!(!taat.is_empty());
        assert!(taat.iter().all(|(_, a)| passes(a.doc_id) && !deleted(a)));
        for other in [&by_wand, &by_bits] {
            assert_eq!(other.len(), taat.len());
            for ((a, _), (b, _)) in other.iter().zip(&taat) {
                assert!((a - b).abs() < 1e-4, "{a} vs {b}");
            }
        }
    }
}
