//! Shared builders for the integration tests.

pub mod fake_telegram;
pub mod telegram_html;

use std::path::Path;
use std::sync::OnceLock;

use newsdesk::search::NewsIndex;

/// The seeds indexed once for all read-only tests (in a folder that lives as long as
/// the test process).
pub fn seed_index() -> &'static NewsIndex {
    static INDEX: OnceLock<(tempfile::TempDir, NewsIndex)> = OnceLock::new();
    &INDEX
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let index = NewsIndex::open_or_create(dir.path()).unwrap();
            let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
            let report = index.sync(&seeds, &mut |_, _| {}).unwrap();
            assert_eq!(report.articles, 5);
            assert!(report.skipped.is_empty());
            (dir, index)
        })
        .1
}
