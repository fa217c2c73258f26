//! The tantivy schema: the only place field names appear, and the handles to them.

use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};

use super::SearchError;

/// Name under which [`NewsTokenizer`] is registered. It is stored in the index
/// schema, so renaming it breaks existing indexes.
pub(super) const ANALYZER: &str = "news";

/// Field handles, resolved once from the schema.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fields {
    pub(crate) article_id: Field,
    pub(crate) file: Field,
    pub(crate) passage: Field,
    pub(crate) title: Field,
    pub(crate) body: Field,
    pub(crate) source: Field,
    pub(crate) date: Field,
    pub(crate) url: Field,
    pub(crate) lang: Field,
    pub(crate) added: Field,
    /// [`article_key`] of the article id: ranking keeps one passage per article
    /// without reading ids.
    pub(crate) article_key: Field,
    /// Keys of the passage's sentences ([`vectors::key_of`]), for their vectors.
    pub(crate) sentences: Field,
    /// [`names::name_keys`] of the title and passage.
    pub(crate) names: Field,
    /// The article's date as `YYYYMMDD` (`20260203`), for time windows; absent for
    /// an undated article.
    pub(crate) day: Field,
    /// `outlet_key` of the article's outlet, for `source:` filters.
    pub(crate) outlet: Field,
    /// `vectors::lang_code` of the article's language, for `lang:` filters.
    pub(crate) lang_code: Field,
}

/// Fields read as columns by name.
pub(crate) const ARTICLE_KEY: &str = "article_key";
pub(crate) const DAY: &str = "day";
pub(crate) const OUTLET: &str = "outlet";
pub(crate) const LANG_CODE: &str = "lang_code";

/// The only place field names appear.
pub(super) fn schema() -> Schema {
    let mut builder = Schema::builder();
    let text = |stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let options = TextOptions::default().set_indexing_options(indexing);
        if stored { options.set_stored() } else { options }
    };
    builder.add_text_field("article_id", STRING | STORED | FAST);
    builder.add_text_field("file", STRING);
    builder.add_u64_field("passage", STORED | INDEXED | FAST);
    builder.add_text_field("title", text(true));
    builder.add_text_field("body", text(true));
    builder.add_text_field("source", STRING | STORED);
    builder.add_text_field("date", STRING | STORED | FAST);
    builder.add_text_field("url", STORED);
    builder.add_text_field("lang", STRING | STORED);
    builder.add_u64_field("added", STORED | INDEXED | FAST);
    builder.add_u64_field(ARTICLE_KEY, FAST);
    builder.add_u64_field("sentences", INDEXED | FAST);
    builder.add_text_field("names", STRING);
    // Filters: indexed for queries (digests, "is there anything in that period"),
    // fast for the check ranking makes on every passage it scores.
    builder.add_u64_field(DAY, INDEXED | FAST);
    builder.add_u64_field(OUTLET, INDEXED | FAST);
    builder.add_u64_field(LANG_CODE, INDEXED | FAST);
    builder.build()
}

impl Fields {
    pub(super) fn from_schema(schema: &Schema) -> Result<Fields, SearchError> {
        let get = |name: &'static str| schema.get_field(name).map_err(|_| SearchError::Schema(name));
        Ok(Fields {
            article_id: get("article_id")?,
            file: get("file")?,
            passage: get("passage")?,
            title: get("title")?,
            body: get("body")?,
            source: get("source")?,
            date: get("date")?,
            url: get("url")?,
            lang: get("lang")?,
            added: get("added")?,
            article_key: get(ARTICLE_KEY)?,
            sentences: get("sentences")?,
            names: get("names")?,
            day: get(DAY)?,
            outlet: get(OUTLET)?,
            lang_code: get(LANG_CODE)?,
        })
    }
}

/// A stable 64-bit hash (FNV-1a) of an article id, stored with every passage.
pub fn article_key(id: &str) -> u64 {
    id.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

pub(crate) fn text_of(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned()
}

pub(crate) fn opt_text(doc: &TantivyDocument, field: Field) -> Option<String> {
    doc.get_first(field).and_then(|v| v.as_str()).map(str::to_owned)
}
