//! The manifest (`newsdesk-manifest.json` in the index folder): size, mtime and
//! BLAKE3 hash per corpus file, which makes indexing incremental, and the rebuild of
//! an index of another format.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{SearchError, VECTORS_FILE};

/// Bumped whenever the schema, the analyzer or passage splitting changes; an index
/// of another version is rebuilt from the corpus.
/// 7: the day, outlet and language of every passage as numbers, for filters.
/// 8: teasers of other stories dropped at ingestion.
/// 9: Ukrainian and Russian stems spelled in one alphabet.
/// 10: English number words indexed as their digits.
/// 11: Cyrillic surnames in -ов/-ев/-єв/-ів reduced alike in every case.
/// 12: Ukrainian and Russian number words indexed as their digits.
/// 13: name keys without the English possessive ("Khan's" is "Khan").
pub(super) const FORMAT_VERSION: u32 = 13;

/// File in the index folder that records which corpus files are indexed.
pub(super) const MANIFEST_FILE: &str = "newsdesk-manifest.json";

/// What is recorded per corpus file, to re-index only what changed.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct Manifest {
    pub(super) version: u32,
    /// Whether the passages carry the semantic layer's sentence and name keys
    /// (written only while the layer is on).
    #[serde(default)]
    pub(super) semantic: bool,
    pub(super) files: BTreeMap<String, FileState>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(super) struct FileState {
    pub(super) size: u64,
    pub(super) modified_ns: u128,
    pub(super) hash: String,
    pub(super) articles: usize,
    pub(super) passages: usize,
    /// Articles skipped because their id was already used: the file is read again
    /// when a changed or removed file may have freed it.
    #[serde(default)]
    pub(super) duplicates: usize,
}

pub(super) fn read_manifest(dir: &Path) -> Option<Manifest> {
    let bytes = std::fs::read(dir.join(MANIFEST_FILE)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub(super) fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), SearchError> {
    let path = dir.join(MANIFEST_FILE);
    let tmp = dir.join(format!("{MANIFEST_FILE}.tmp"));
    let json = serde_json::to_vec_pretty(manifest).expect("the manifest always serialises");
    std::fs::write(&tmp, json)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|source| SearchError::Manifest { path, source })
}

/// Files in the index folder that outlive a rebuild: the running server's lock, and
/// sentence vectors (keyed by content, so still valid for the rebuilt index).
pub(super) const KEPT_ON_REBUILD: [&str; 2] = ["newsdesk-serve.lock", VECTORS_FILE];

/// Removes an outdated index's files, leaving the folder.
pub(super) fn clear_index_dir(dir: &Path) -> Result<(), SearchError> {
    let entries =
        std::fs::read_dir(dir).map_err(|source| SearchError::CreateDir { path: dir.to_owned(), source })?;
    for entry in entries.flatten() {
        let path = entry.path();
        if KEPT_ON_REBUILD.iter().any(|kept| entry.file_name() == *kept) {
            continue;
        }
        let result = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        result.map_err(|source| SearchError::CreateDir { path: path.clone(), source })?;
    }
    Ok(())
}
