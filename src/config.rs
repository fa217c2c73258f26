//! Typed configuration, read once from the environment (and `.env`).
//!
//! [`Config::from_lookup`] takes a lookup function instead of reading the process
//! environment, so tests never touch global state. Every value is parsed into its
//! real type and range-checked; each problem is reported on its own line, naming
//! the variable, and the CLI exits with code 2.

use std::fmt;
use std::path::PathBuf;

/// Every variable newsdesk reads, with its default; `.env.example` documents each.
pub const VARIABLES: &[(&str, &str)] = &[
    ("NEWSDESK_CORPUS", "seeds"),
    ("NEWSDESK_INDEX", "data/index"),
    ("NEWSDESK_RESULTS", "3"),
    ("NEWSDESK_MIN_COVERAGE", "0.35"),
    ("TELOXIDE_TOKEN", ""),
    ("NEWSDESK_TELEGRAM_API_URL", ""),
    ("TELOXIDE_API_URL", ""),
    ("NEWSDESK_ALLOWED_CHATS", ""),
    ("NEWSDESK_ALLOWED_USERS", ""),
    ("NEWSDESK_ADMINS", ""),
    ("NEWSDESK_RATE_LIMIT", "10"),
    ("NEWSDESK_DATA", "data"),
    ("NEWSDESK_TZ", "Europe/Kyiv"),
    ("NEWSDESK_RESCAN_SECONDS", "60"),
    ("NEWSDESK_HTTP_ADDR", "127.0.0.1:8080"),
    ("NEWSDESK_WEBHOOK_URL", ""),
    ("NEWSDESK_WEBHOOK_SECRET", ""),
    ("NEWSDESK_EMBED_URL", ""),
    ("NEWSDESK_EMBED_MODEL", ""),
    ("NEWSDESK_EMBED_INPUT_TYPE", "false"),
    ("NEWSDESK_EMBED_QUERY_PREFIX", ""),
    ("NEWSDESK_EMBED_PASSAGE_PREFIX", ""),
    ("NEWSDESK_EMBED_TIMEOUT_MS", "2000"),
    ("NEWSDESK_EMBED_BATCH", "8"),
    ("NEWSDESK_MIN_SIMILARITY", "0.27"),
    ("NEWSDESK_DIGEST_REDELIVERY", "at-most-once"),
    ("NEWSDESK_FEEDS", ""),
    ("NEWSDESK_FEEDS_INTERVAL", "15m"),
    ("NEWSDESK_FEEDS_ALLOW_PRIVATE", "false"),
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
    /// The bot token (`TELOXIDE_TOKEN`); only `serve` needs it, see [`Config::token`].
    pub token: Option<Secret>,
    /// Bot API base URL (`NEWSDESK_TELEGRAM_API_URL`, else `TELOXIDE_API_URL`), for a
    /// local Bot API server or tests; `None` means Telegram's.
    pub telegram_api_url: Option<url::Url>,
    /// Chats the bot answers in; empty means every chat.
    pub allowed_chats: Vec<i64>,
    /// Users the bot answers; empty means everyone.
    pub allowed_users: Vec<u64>,
    /// Users who may run admin commands; they are never rate-limited.
    pub admins: Vec<u64>,
    /// Questions one user may ask per minute.
    pub rate_limit_per_minute: u32,
    /// Folder of the bot's state: `newsdesk.db` (subscriptions, settings, outbox).
    pub data: PathBuf,
    /// Default time zone of digest schedules (IANA name); chats set their own.
    pub tz: String,
    /// While serving, the corpus folder is re-scanned this often besides being
    /// watched, for file systems that do not report changes.
    pub rescan_seconds: u64,
    /// Where `/healthz`, `/metrics` (and the webhook) listen; `None` when `off`.
    pub http_addr: Option<std::net::SocketAddr>,
    /// The public HTTPS URL Telegram posts updates to; `None` means long polling.
    pub webhook_url: Option<url::Url>,
    /// The secret Telegram sends with every webhook request; generated when unset.
    pub webhook_secret: Option<Secret>,
    /// The embedding server, when the semantic layer is on.
    pub embed: Option<crate::retrieve::semantic::EmbedConfig>,
    /// Similarity from which a passage found only by meaning is cited.
    pub min_similarity: f32,
    /// A digest that was going to Telegram when the process died: not sent again
    /// (the default) or sent again.
    pub redelivery: crate::store::Redelivery,
    /// A crash injected at one step of digest delivery (`NEWSDESK_FAILPOINT`), for
    /// the crash tests; never set in production.
    pub failpoint: Option<crate::store::Failpoint>,
    /// File listing feed URLs (one per line, `#` comments) or an OPML file.
    pub feeds: Option<PathBuf>,
    /// How often `serve` polls each feed (with jitter).
    pub feeds_interval: std::time::Duration,
    /// Whether feeds (and their article pages) may be on loopback, private,
    /// link-local or metadata addresses.
    pub feeds_allow_private: bool,
}

/// A string that never appears in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself; call only where it is handed to the library that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
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
        let results = whole_number(&mut problems, &get, "NEWSDESK_RESULTS", 1..=10);
        let min_coverage = fraction(&mut problems, &get, "NEWSDESK_MIN_COVERAGE");
        let token = lookup("TELOXIDE_TOKEN").map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if let Some(token) = &token
            && !is_token_shaped(token)
        {
            // Never echo the token itself.
            problems.push(
                "invalid TELOXIDE_TOKEN: expected the form <bot id>:<secret> given by @BotFather".into(),
            );
        }
        let token = token.map(Secret);
        let api_url_var = ["NEWSDESK_TELEGRAM_API_URL", "TELOXIDE_API_URL"]
            .into_iter()
            .find(|name| lookup(name).is_some_and(|v| !v.trim().is_empty()));
        let telegram_api_url = api_url_var.and_then(|name| {
            let raw = get(name);
            match url::Url::parse(&raw) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url),
                _ => {
                    problems.push(format!("invalid {name}={raw:?}: must be an http(s) URL"));
                    None
                }
            }
        });
        let allowed_chats = id_list(&mut problems, &get, "NEWSDESK_ALLOWED_CHATS");
        let allowed_users = id_list(&mut problems, &get, "NEWSDESK_ALLOWED_USERS");
        let admins = id_list(&mut problems, &get, "NEWSDESK_ADMINS");
        let rate_limit_per_minute = whole_number(&mut problems, &get, "NEWSDESK_RATE_LIMIT", 1..=1000) as u32;
        let data = PathBuf::from(get("NEWSDESK_DATA"));
        let tz = get("NEWSDESK_TZ");
        if crate::digest::time_zone(&tz).is_none() {
            problems
                .push(format!("invalid NEWSDESK_TZ={tz:?}: not an IANA time zone name such as Europe/Kyiv"));
        }
        let rescan_seconds = whole_number(&mut problems, &get, "NEWSDESK_RESCAN_SECONDS", 1..=86_400) as u64;
        let http_addr = match get("NEWSDESK_HTTP_ADDR").as_str() {
            "off" | "none" => None,
            raw => match raw.parse::<std::net::SocketAddr>() {
                Ok(addr) => Some(addr),
                Err(_) => {
                    problems.push(format!(
                        "invalid NEWSDESK_HTTP_ADDR={raw:?}: must be an address and port such as 127.0.0.1:8080, or off"
                    ));
                    None
                }
            },
        };
        let webhook_url = match get("NEWSDESK_WEBHOOK_URL").as_str() {
            "" => None,
            raw => match url::Url::parse(raw) {
                Ok(url) if url.scheme() == "https" || is_loopback(&url) => Some(url),
                Ok(_) => {
                    problems.push(format!(
                        "invalid NEWSDESK_WEBHOOK_URL={raw:?}: Telegram only posts to https:// URLs"
                    ));
                    None
                }
                Err(_) => {
                    problems.push(format!("invalid NEWSDESK_WEBHOOK_URL={raw:?}: not a URL"));
                    None
                }
            },
        };
        if webhook_url.is_some() && http_addr.is_none() {
            problems.push("NEWSDESK_WEBHOOK_URL needs NEWSDESK_HTTP_ADDR to listen on; it is off".into());
        }
        let webhook_secret =
            lookup("NEWSDESK_WEBHOOK_SECRET").map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if let Some(secret) = &webhook_secret
            && (secret.len() > 256
                || !secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        {
            problems.push(
                "invalid NEWSDESK_WEBHOOK_SECRET: 1 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)".into(),
            );
        }
        let webhook_secret = webhook_secret.map(Secret);
        let embed = match get("NEWSDESK_EMBED_URL").as_str() {
            "" => None,
            raw => match url::Url::parse(raw) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => {
                    let input_type = match get("NEWSDESK_EMBED_INPUT_TYPE").to_lowercase().as_str() {
                        "true" | "yes" | "1" | "on" => true,
                        "false" | "no" | "0" | "off" => false,
                        other => {
                            problems.push(format!(
                                "invalid NEWSDESK_EMBED_INPUT_TYPE={other:?}: must be true or false"
                            ));
                            false
                        }
                    };
                    let timeout =
                        whole_number(&mut problems, &get, "NEWSDESK_EMBED_TIMEOUT_MS", 50..=60_000) as u64;
                    let batch = whole_number(&mut problems, &get, "NEWSDESK_EMBED_BATCH", 1..=256);
                    let batch_set = lookup("NEWSDESK_EMBED_BATCH").is_some_and(|v| !v.trim().is_empty());
                    // Prefixes keep their trailing space: "query: ".
                    let raw_prefix = |name: &str| lookup(name).unwrap_or_default();
                    Some(crate::retrieve::semantic::EmbedConfig {
                        url,
                        model: Some(get("NEWSDESK_EMBED_MODEL")).filter(|m| !m.is_empty()),
                        input_type,
                        query_prefix: raw_prefix("NEWSDESK_EMBED_QUERY_PREFIX"),
                        passage_prefix: raw_prefix("NEWSDESK_EMBED_PASSAGE_PREFIX"),
                        query_timeout: std::time::Duration::from_millis(timeout),
                        // A batch of passages takes far longer than a question.
                        passage_timeout: std::time::Duration::from_millis(timeout.max(1000) * 60),
                        batch,
                        bulk_batch: if batch_set { batch } else { crate::retrieve::semantic::BULK_BATCH },
                    })
                }
                _ => {
                    problems.push(format!("invalid NEWSDESK_EMBED_URL={raw:?}: must be an http(s) URL"));
                    None
                }
            },
        };
        let min_similarity = fraction(&mut problems, &get, "NEWSDESK_MIN_SIMILARITY");
        let redelivery_raw = get("NEWSDESK_DIGEST_REDELIVERY");
        let redelivery = crate::store::Redelivery::parse(&redelivery_raw).unwrap_or_else(|| {
            problems.push(format!(
                "invalid NEWSDESK_DIGEST_REDELIVERY={redelivery_raw:?}: must be at-most-once or at-least-once"
            ));
            crate::store::Redelivery::default()
        });
        let failpoint = match get("NEWSDESK_FAILPOINT").as_str() {
            "" => None,
            raw => crate::store::Failpoint::parse(raw).or_else(|| {
                problems.push(format!(
                    "invalid NEWSDESK_FAILPOINT={raw:?}: must be recorded, sending, accepted or marked, with :n"
                ));
                None
            }),
        };
        let feeds = Some(get("NEWSDESK_FEEDS")).filter(|f| !f.is_empty()).map(PathBuf::from);
        let feeds_interval = {
            let raw = get("NEWSDESK_FEEDS_INTERVAL");
            match duration(&raw) {
                Some(d) if (1..=7 * 86_400).contains(&d.as_secs()) => d,
                _ => {
                    problems.push(format!(
                        "invalid NEWSDESK_FEEDS_INTERVAL={raw:?}: must be a duration from 1s to 7d, such as 15m, 900s or 1h"
                    ));
                    std::time::Duration::from_secs(900)
                }
            }
        };
        let feeds_allow_private = yes_no(&mut problems, &get, "NEWSDESK_FEEDS_ALLOW_PRIVATE");
        if problems.is_empty() {
            Ok(Config {
                corpus,
                index,
                results,
                min_coverage,
                token,
                telegram_api_url,
                allowed_chats,
                allowed_users,
                admins,
                rate_limit_per_minute,
                data,
                tz,
                rescan_seconds,
                http_addr,
                webhook_url,
                webhook_secret,
                embed,
                min_similarity,
                redelivery,
                failpoint,
                feeds,
                feeds_interval,
                feeds_allow_private,
            })
        } else {
            Err(ConfigError { problems })
        }
    }
}

impl Config {
    /// Settings that work but put something at risk, one line each, for `serve` to
    /// log at start-up: a Bot API URL in plain http to another machine carries the
    /// token unencrypted.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if let Some(url) = &self.telegram_api_url
            && url.scheme() == "http"
        {
            let loopback = match url.host() {
                Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if !loopback {
                warnings.push(format!(
                    "the Telegram API URL is plain http to {}: the bot token and every message cross the network unencrypted; use https, or a Bot API server on this machine",
                    url.host_str().unwrap_or("another host")
                ));
            }
        }
        warnings
    }

    /// Problems with the folders `serve` needs, one line each: the corpus must be a
    /// readable folder, and the data folder creatable and writable.
    pub fn check_folders(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        match std::fs::read_dir(&self.corpus) {
            Ok(_) => {}
            Err(err) => problems.push(format!(
                "unreadable NEWSDESK_CORPUS={:?}: {} (it must be a folder of article files)",
                self.corpus.display().to_string(),
                io_reason(&err)
            )),
        }
        let writable = std::fs::create_dir_all(&self.data).and_then(|()| {
            let probe = self.data.join(".newsdesk-write-test");
            std::fs::write(&probe, b"")?;
            std::fs::remove_file(&probe)
        });
        if let Err(err) = writable {
            problems.push(format!(
                "unwritable NEWSDESK_DATA={:?}: {}",
                self.data.display().to_string(),
                io_reason(&err)
            ));
        }
        if problems.is_empty() { Ok(()) } else { Err(ConfigError { problems }) }
    }

    /// The SQLite database of the bot's state.
    pub fn database(&self) -> PathBuf {
        self.data.join("newsdesk.db")
    }

    /// The bot token, or the error that explains how to set it.
    pub fn token(&self) -> Result<&Secret, ConfigError> {
        self.token.as_ref().ok_or_else(|| ConfigError {
            problems: vec![
                "TELOXIDE_TOKEN is not set: put the token from @BotFather in the environment or .env".into(),
            ],
        })
    }
}

fn io_reason(err: &std::io::Error) -> &'static str {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such folder",
        std::io::ErrorKind::PermissionDenied => "permission denied",
        std::io::ErrorKind::NotADirectory => "not a folder",
        _ => "cannot be opened",
    }
}

/// Whether `url` points at this machine (allowed over plain http, for tests and a
/// local Bot API server).
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(host)) => host == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// `<digits>:<letters, digits, '-' or '_'>`, the shape of every Bot API token.
fn is_token_shaped(token: &str) -> bool {
    match token.split_once(':') {
        Some((id, secret)) => {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && !secret.is_empty()
                && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        None => false,
    }
}

// The readers below take `get` (a variable's trimmed value, or its default) and add
// a line to `problems` for a bad value. What they return then only stands in: any
// problem refuses the whole configuration.

/// Variable `name` as a comma- or space-separated list of numeric ids.
fn id_list<T: std::str::FromStr>(
    problems: &mut Vec<String>,
    get: &dyn Fn(&str) -> String,
    name: &str,
) -> Vec<T> {
    let mut out = Vec::new();
    for item in get(name).split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
        match item.parse() {
            Ok(v) => out.push(v),
            Err(_) => problems.push(format!("invalid {name}: {item:?} is not a numeric Telegram id")),
        }
    }
    out
}

/// Variable `name` as a whole number within `range`.
fn whole_number(
    problems: &mut Vec<String>,
    get: &dyn Fn(&str) -> String,
    name: &str,
    range: std::ops::RangeInclusive<usize>,
) -> usize {
    let raw = get(name);
    match raw.parse::<usize>() {
        Ok(v) if range.contains(&v) => v,
        _ => {
            problems.push(format!(
                "invalid {name}={raw:?}: must be a whole number from {} to {}",
                range.start(),
                range.end()
            ));
            *range.start()
        }
    }
}

/// Variable `name` as `true` or `false` (also yes/no, 1/0, on/off).
fn yes_no(problems: &mut Vec<String>, get: &dyn Fn(&str) -> String, name: &str) -> bool {
    let raw = get(name);
    match raw.to_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => true,
        "false" | "no" | "0" | "off" => false,
        _ => {
            problems.push(format!("invalid {name}={raw:?}: must be true or false"));
            false
        }
    }
}

/// A duration written as a number with an optional unit: `90` or `90s` seconds,
/// `15m` minutes, `2h` hours, `1d` days.
pub fn duration(raw: &str) -> Option<std::time::Duration> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (number, unit) = raw.split_at(split);
    let number: u64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    number.checked_mul(seconds).map(std::time::Duration::from_secs)
}

/// Variable `name` as a number from 0 to 1.
fn fraction(problems: &mut Vec<String>, get: &dyn Fn(&str) -> String, name: &str) -> f32 {
    let raw = get(name);
    match raw.parse::<f32>() {
        Ok(v) if (0.0..=1.0).contains(&v) => v,
        _ => {
            problems.push(format!("invalid {name}={raw:?}: must be a number from 0 to 1"));
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::DEFAULT_MIN_COVERAGE;

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
        assert_eq!(config.database(), PathBuf::from("data/newsdesk.db"));
        assert_eq!(config.tz, "Europe/Kyiv");
    }

    #[test]
    fn embed_batches_are_small_while_serving_and_large_alone_unless_set() {
        let url = ("NEWSDESK_EMBED_URL", "http://127.0.0.1:8077/v1");
        let embed = load(&[url]).unwrap().embed.unwrap();
        assert_eq!((embed.batch, embed.bulk_batch), (8, 32));
        let embed = load(&[url, ("NEWSDESK_EMBED_BATCH", "4")]).unwrap().embed.unwrap();
        assert_eq!((embed.batch, embed.bulk_batch), (4, 4));
    }

    #[test]
    fn every_start_up_problem_gets_its_own_line() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("TELOXIDE_TOKEN", "12345")],
                "invalid TELOXIDE_TOKEN: expected the form <bot id>:<secret> given by @BotFather",
            ),
            (
                &[("NEWSDESK_TZ", "Kyiv")],
                "invalid NEWSDESK_TZ=\"Kyiv\": not an IANA time zone name such as Europe/Kyiv",
            ),
            (
                &[("NEWSDESK_HTTP_ADDR", "localhost")],
                "invalid NEWSDESK_HTTP_ADDR=\"localhost\": must be an address and port such as 127.0.0.1:8080, or off",
            ),
            (
                &[("NEWSDESK_HTTP_ADDR", "0.0.0.0:99999")],
                "invalid NEWSDESK_HTTP_ADDR=\"0.0.0.0:99999\": must be an address and port such as 127.0.0.1:8080, or off",
            ),
            (
                &[("NEWSDESK_WEBHOOK_URL", "http://bot.example.org/hook")],
                "invalid NEWSDESK_WEBHOOK_URL=\"http://bot.example.org/hook\": Telegram only posts to https:// URLs",
            ),
            (
                &[("NEWSDESK_WEBHOOK_URL", "not a url")],
                "invalid NEWSDESK_WEBHOOK_URL=\"not a url\": not a URL",
            ),
            (
                &[("NEWSDESK_WEBHOOK_URL", "https://bot.example.org/hook"), ("NEWSDESK_HTTP_ADDR", "off")],
                "NEWSDESK_WEBHOOK_URL needs NEWSDESK_HTTP_ADDR to listen on; it is off",
            ),
            (
                &[("NEWSDESK_WEBHOOK_SECRET", "has spaces in it")],
                "invalid NEWSDESK_WEBHOOK_SECRET: 1 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)",
            ),
            (
                &[("NEWSDESK_RESCAN_SECONDS", "0")],
                "invalid NEWSDESK_RESCAN_SECONDS=\"0\": must be a whole number from 1 to 86400",
            ),
            (
                &[("NEWSDESK_TELEGRAM_API_URL", "ftp://x")],
                "invalid NEWSDESK_TELEGRAM_API_URL=\"ftp://x\": must be an http(s) URL",
            ),
            (
                &[("NEWSDESK_ALLOWED_CHATS", "-100, general")],
                "invalid NEWSDESK_ALLOWED_CHATS: \"general\" is not a numeric Telegram id",
            ),
        ];
        for (vars, expected) in cases {
            let err = load(vars).unwrap_err();
            assert_eq!(err.problems, [*expected], "{vars:?}");
        }
        let fine = load(&[
            ("NEWSDESK_HTTP_ADDR", "0.0.0.0:8080"),
            ("NEWSDESK_WEBHOOK_URL", "https://bot.example.org/telegram"),
            ("NEWSDESK_WEBHOOK_SECRET", "s3cret_-token"),
        ])
        .unwrap();
        assert_eq!(fine.http_addr, Some("0.0.0.0:8080".parse().unwrap()));
        assert_eq!(fine.webhook_url.unwrap().path(), "/telegram");
        assert!(!format!("{:?}", fine.webhook_secret).contains("s3cret"));
        assert_eq!(load(&[("NEWSDESK_HTTP_ADDR", "off")]).unwrap().http_addr, None);
        assert!(
            load(&[("NEWSDESK_WEBHOOK_URL", "http://127.0.0.1:9000/hook")]).is_ok(),
            "loopback may be http"
        );
    }

    #[test]
    fn folders_are_checked_before_serving() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        let mut config = load(&[]).unwrap();
        config.corpus = dir.path().join("missing");
        config.data = file.join("data");
        let err = config.check_folders().unwrap_err();
        assert_eq!(err.problems.len(), 2, "{err}");
        assert!(
            err.problems[0].starts_with("unreadable NEWSDESK_CORPUS=")
                && err.problems[0].contains("no such folder"),
            "{err}"
        );
        assert!(err.problems[1].starts_with("unwritable NEWSDESK_DATA="), "{err}");
        config.corpus = dir.path().to_owned();
        config.data = dir.path().join("data");
        assert!(config.check_folders().is_ok());
    }

    #[test]
    fn an_unknown_time_zone_is_a_problem() {
        let err = load(&[("NEWSDESK_TZ", "Europe/Atlantis")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid NEWSDESK_TZ=\"Europe/Atlantis\": not an IANA time zone name such as Europe/Kyiv"
        );
        assert_eq!(load(&[("NEWSDESK_TZ", "America/New_York")]).unwrap().tz, "America/New_York");
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

    // Point 9: a plain-http Bot API URL to another machine is warned about; one on
    // this machine or in https is not.
    #[test]
    fn a_plain_http_api_url_to_another_host_is_warned_about() {
        for (url, warned) in [
            ("http://api.example.org:8081", true),
            ("http://10.0.0.5:8081", true),
            ("https://api.example.org", false),
            ("http://127.0.0.1:8081", false),
            ("http://localhost:8081", false),
            ("http://[::1]:8081", false),
        ] {
            let config = load(&[("NEWSDESK_TELEGRAM_API_URL", url)]).unwrap();
            let warnings = config.warnings();
            assert_eq!(warnings.len(), usize::from(warned), "{url}: {warnings:?}");
            assert!(
                warnings.iter().all(|w| w.contains("unencrypted") && !w.contains("TOKEN")),
                "{warnings:?}"
            );
        }
        assert!(load(&[]).unwrap().warnings().is_empty());
    }

    #[test]
    fn telegram_settings_are_parsed_and_the_token_never_echoed() {
        let config = load(&[
            ("TELOXIDE_TOKEN", "123456:ABC-def_ghi"),
            ("TELOXIDE_API_URL", "http://127.0.0.1:8081"),
            ("NEWSDESK_ALLOWED_CHATS", "-100123, 42"),
            ("NEWSDESK_ADMINS", "7 8"),
        ])
        .unwrap();
        assert_eq!(config.token().unwrap().expose(), "123456:ABC-def_ghi");
        assert_eq!(format!("{config:?}").matches("ABC-def").count(), 0);
        assert_eq!(config.telegram_api_url.unwrap().as_str(), "http://127.0.0.1:8081/");
        assert_eq!(config.allowed_chats, [-100123, 42]);
        assert_eq!(config.admins, [7, 8]);
        assert!(config.allowed_users.is_empty());
        assert_eq!(config.rate_limit_per_minute, 10);

        let err = load(&[("TELOXIDE_TOKEN", "not a token SECRETPART"), ("NEWSDESK_ALLOWED_USERS", "bob")])
            .unwrap_err();
        assert!(!err.to_string().contains("SECRETPART"));
        assert_eq!(err.problems.len(), 2, "{err}");
        assert!(load(&[]).unwrap().token().is_err());
    }

    #[test]
    fn feed_settings_are_parsed() {
        let config = load(&[]).unwrap();
        assert_eq!((config.feeds.clone(), config.feeds_interval.as_secs()), (None, 900));
        assert!(!config.feeds_allow_private);
        let config = load(&[
            ("NEWSDESK_FEEDS", "feeds.opml"),
            ("NEWSDESK_FEEDS_INTERVAL", "2s"),
            ("NEWSDESK_FEEDS_ALLOW_PRIVATE", "true"),
        ])
        .unwrap();
        assert_eq!(config.feeds, Some(PathBuf::from("feeds.opml")));
        assert_eq!(config.feeds_interval.as_secs(), 2);
        assert!(config.feeds_allow_private);
        let err = load(&[("NEWSDESK_FEEDS_INTERVAL", "soon"), ("NEWSDESK_FEEDS_ALLOW_PRIVATE", "maybe")])
            .unwrap_err();
        assert_eq!(err.problems.len(), 2, "{err}");
        assert_eq!(duration("1h"), Some(std::time::Duration::from_secs(3600)));
        assert_eq!(duration("15 m"), Some(std::time::Duration::from_secs(900)));
        assert_eq!(duration("m"), None);
    }

    #[test]
    fn env_example_documents_every_variable_with_its_default() {
        let example = include_str!("../.env.example");
        for (name, default) in VARIABLES {
            let line = format!("{name}={default}");
            assert!(
                example.lines().any(|l| l.trim_start_matches("# ") == line || l == line),
                "{line} missing from .env.example"
            );
        }
    }
}
