//! Typed configuration, read once from the environment (and `.env`).
//!
//! [`Config::from_lookup`] takes a lookup function instead of reading the process
//! environment, so tests never touch global state. Every value is parsed into its
//! real type and range-checked; each problem is reported on its own line, naming
//! the variable, and the CLI exits with code 2.

use std::fmt;
use std::path::PathBuf;

use crate::search::DEFAULT_MIN_COVERAGE;

/// Every variable newsdesk reads, with its default; `.env.example` documents each.
pub const VARIABLES: &[(&str, &str)] = &[
    ("NEWSDESK_CORPUS", "seeds"),
    ("NEWSDESK_INDEX", "data/index"),
    ("NEWSDESK_RESULTS", "3"),
    ("NEWSDESK_MIN_COVERAGE", "0.35"),
];

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Folder of article files (`.txt`, `.md`, `.jsonl`), searched recursively.
    pub corpus: PathBuf,
    /// Folder of the tantivy index (derived state: safe to delete).
    pub index: PathBuf,
    /// Cited passages per answer, 1..=10.
    pub results: usize,
    /// Share of the question's weight the best passage must match, 0..=1; below it
    /// the answer says nothing relevant was found.
    pub min_coverage: f32,
}

/// All problems found in the configuration, one per line.
#[derive(Debug, PartialEq)]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problems.join("\n"))
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests never mutate the real environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let get = |name: &str| {
            let default = VARIABLES.iter().find(|(n, _)| *n == name).map_or("", |(_, d)| d);
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        let corpus = PathBuf::from(get("NEWSDESK_CORPUS"));
        let index = PathBuf::from(get("NEWSDESK_INDEX"));
        let results =
            parse_range(&mut problems, "NEWSDESK_RESULTS", &get("NEWSDESK_RESULTS"), 1..=10).unwrap_or(3);
        let min_coverage = match get("NEWSDESK_MIN_COVERAGE").parse::<f32>() {
            Ok(v) if (0.0..=1.0).contains(&v) => v,
            _ => {
                problems.push(format!(
                    "invalid NEWSDESK_MIN_COVERAGE={:?}: must be a number from 0 to 1",
                    get("NEWSDESK_MIN_COVERAGE")
                ));
                DEFAULT_MIN_COVERAGE
            }
        };
        if problems.is_empty() {
            Ok(Config { corpus, index, results, min_coverage })
        } else {
            Err(ConfigError { problems })
        }
    }
}

fn parse_range(
    problems: &mut Vec<String>,
    name: &str,
    raw: &str,
    range: std::ops::RangeInclusive<usize>,
) -> Option<usize> {
    match raw.parse::<usize>() {
        Ok(v) if range.contains(&v) => Some(v),
        _ => {
            problems.push(format!(
                "invalid {name}={raw:?}: must be a whole number from {} to {}",
                range.start(),
                range.end()
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let config = load(&[]).unwrap();
        assert_eq!(config.corpus, PathBuf::from("seeds"));
        assert_eq!(config.index, PathBuf::from("data/index"));
        assert_eq!(config.results, 3);
        assert_eq!(config.min_coverage, DEFAULT_MIN_COVERAGE);
    }

    #[test]
    fn every_bad_value_is_reported_on_its_own_line() {
        let err = load(&[("NEWSDESK_RESULTS", "50"), ("NEWSDESK_MIN_COVERAGE", "high")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            concat!(
                "invalid NEWSDESK_RESULTS=\"50\": must be a whole number from 1 to 10\n",
                "invalid NEWSDESK_MIN_COVERAGE=\"high\": must be a number from 0 to 1"
            )
        );
    }

    #[test]
    fn the_documented_default_coverage_matches_the_code() {
        let documented = VARIABLES.iter().find(|(n, _)| *n == "NEWSDESK_MIN_COVERAGE").unwrap().1;
        assert_eq!(documented.parse::<f32>().unwrap(), DEFAULT_MIN_COVERAGE);
    }

    #[test]
    fn env_example_documents_every_variable_with_its_default() {
        let example = include_str!("../.env.example");
        for (name, default) in VARIABLES {
            let line = format!("{name}={default}");
            assert!(
                example.lines().any(|l| l.trim_start_matches("# ") == line),
                "{line} missing from .env.example"
            );
        }
    }
}
