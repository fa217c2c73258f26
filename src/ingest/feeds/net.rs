//! Fetching feeds and article pages politely and safely: conditional GET, gzip and
//! brotli, a User-Agent naming newsdesk, one request at a time per host, timeouts, a
//! size cap, at most five redirects (each hop checked), and an SSRF guard that
//! refuses loopback, private, link-local and metadata addresses, checked on the
//! addresses a name resolves to, at connect time, and on every redirect hop.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};

/// The User-Agent of every request.
pub const USER_AGENT: &str =
    concat!("newsdesk/", env!("CARGO_PKG_VERSION"), " (self-hosted news archive; feed reader)");

/// Limits of one request; [`FetchLimits::default`] is what the issue promises
/// operators, tests shorten the timeouts.
#[derive(Clone, Debug)]
pub struct FetchLimits {
    pub connect_timeout: Duration,
    /// For a whole fetch: every redirect hop and the body.
    pub total_timeout: Duration,
    /// Bytes of one response body, after decompression.
    pub max_bytes: u64,
    pub max_redirects: usize,
    /// Whether loopback, private, link-local and metadata addresses may be fetched.
    pub allow_private: bool,
    /// Such addresses that may be fetched all the same (tests: one loopback address
    /// allowed, the rest of 127.0.0.0/8 still refused).
    pub private_exceptions: Vec<IpAddr>,
}

impl Default for FetchLimits {
    fn default() -> Self {
        FetchLimits {
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            allow_private: false,
            private_exceptions: Vec::new(),
        }
    }
}

/// What a fetch brought.
#[derive(Clone, Debug)]
pub enum Fetched {
    /// 304: nothing changed since the validators sent.
    NotModified,
    Body(Body),
}

/// A 2xx answer.
#[derive(Clone, Debug)]
pub struct Body {
    /// Where the body came from, after redirects.
    pub url: url::Url,
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Why a fetch failed; `Display` is one line for logs and `/feeds`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("refused: {0}")]
    Refused(String),
    #[error("HTTP {status}")]
    Status {
        status: u16,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    #[error("timed out after {} s", .0.as_secs_f32())]
    Timeout(Duration),
    #[error("larger than {} MB", .0 / 1_000_000)]
    TooLarge(u64),
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    #[error("{0}")]
    Network(String),
}

impl FetchError {
    /// How long the server asked to be left alone, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Where one request ended.
enum Hop {
    Done(Fetched),
    Redirect(url::Url),
}

/// Validators of a conditional GET.
#[derive(Clone, Copy, Debug, Default)]
pub struct Conditional<'a> {
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
}

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wanted {
    Feed,
    Page,
}

/// The HTTP client of feeds: one per process (or per `feeds fetch`), shared by
/// every poll so the per-host queue holds across feeds.
pub struct Fetcher {
    client: reqwest::Client,
    limits: FetchLimits,
    /// One lock per host: a host gets one request at a time.
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher").field("limits", &self.limits).finish_non_exhaustive()
    }
}

impl Fetcher {
    pub fn new(limits: FetchLimits) -> anyhow::Result<Fetcher> {
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            // Redirects are followed here, one checked hop at a time.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, past the guard.
            .no_proxy()
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.total_timeout)
            .dns_resolver(Arc::new(GuardedResolver { guard: Guard::of(&limits) }))
            .pool_max_idle_per_host(2)
            .build()?;
        Ok(Fetcher { client, limits, hosts: Mutex::default() })
    }

    pub fn limits(&self) -> &FetchLimits {
        &self.limits
    }

    /// GETs `url`, following at most [`FetchLimits::max_redirects`] redirects, all
    /// within [`FetchLimits::total_timeout`]. Waiting for the host's turn (another
    /// request to it in flight) does not count against the timeout.
    pub async fn get(
        &self,
        url: &url::Url,
        wanted: Wanted,
        conditional: Conditional<'_>,
    ) -> Result<Fetched, FetchError> {
        let total = self.limits.total_timeout;
        let mut spent = Duration::ZERO;
        let mut url = url.clone();
        let mut hops = 0;
        loop {
            check_target_with(&url, &Guard::of(&self.limits)).await?;
            let host = self.host_lock(&url);
            let _turn = host.lock().await;
            let started = std::time::Instant::now();
            let left = total.saturating_sub(spent);
            let hop = tokio::time::timeout(left, self.request(&url, wanted, conditional)).await;
            spent += started.elapsed();
            match hop {
                Err(_) => return Err(FetchError::Timeout(total)),
                Ok(Err(err)) => return Err(err),
                Ok(Ok(Hop::Done(fetched))) => return Ok(fetched),
                Ok(Ok(Hop::Redirect(next))) => {
                    hops += 1;
                    if hops > self.limits.max_redirects {
                        return Err(FetchError::TooManyRedirects(self.limits.max_redirects));
                    }
                    url = next;
                }
            }
        }
    }

    /// One request: its answer, or where it redirects to.
    async fn request(
        &self,
        url: &url::Url,
        wanted: Wanted,
        conditional: Conditional<'_>,
    ) -> Result<Hop, FetchError> {
        let mut headers = HeaderMap::new();
        let accept = match wanted {
            Wanted::Feed => {
                "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
            }
            Wanted::Page => "text/html, application/xhtml+xml;q=0.9, */*;q=0.5",
        };
        headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
        if let Some(etag) = conditional.etag.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(header::IF_NONE_MATCH, etag);
        }
        if let Some(date) = conditional.last_modified.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(header::IF_MODIFIED_SINCE, date);
        }
        let response =
            self.client.get(url.clone()).headers(headers).send().await.map_err(|e| self.network(&e))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Hop::Done(Fetched::NotModified));
        }
        if status.is_redirection() {
            let location =
                response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).ok_or_else(|| {
                    FetchError::Network(format!("HTTP {} without a Location", status.as_u16()))
                })?;
            let next = url
                .join(location)
                .map_err(|_| FetchError::Network("a redirect to something that is not a URL".into()))?;
            return Ok(Hop::Redirect(next));
        }
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, jiff::Timestamp::now()));
            return Err(FetchError::Status { status: status.as_u16(), retry_after });
        }
        let text = |name: header::HeaderName| {
            response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
        };
        let content_type = text(header::CONTENT_TYPE);
        let etag = text(header::ETAG);
        let last_modified = text(header::LAST_MODIFIED);
        let bytes = self.read_capped(response).await?;
        Ok(Hop::Done(Fetched::Body(Body { url: url.clone(), bytes, content_type, etag, last_modified })))
    }

    /// The body, up to [`FetchLimits::max_bytes`] (decompressed).
    async fn read_capped(&self, mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        let cap = self.limits.max_bytes;
        if response.content_length().is_some_and(|n| n > cap) {
            return Err(FetchError::TooLarge(cap));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.network(&e))? {
            if bytes.len() as u64 + chunk.len() as u64 > cap {
                return Err(FetchError::TooLarge(cap));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    fn host_lock(&self, url: &url::Url) -> Arc<tokio::sync::Mutex<()>> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(hosts.entry(host).or_default())
    }

    fn network(&self, err: &reqwest::Error) -> FetchError {
        if err.is_timeout() {
            return FetchError::Timeout(if err.is_connect() {
                self.limits.connect_timeout
            } else {
                self.limits.total_timeout
            });
        }
        // The innermost cause says what happened ("connection refused"); reqwest's
        // own text repeats the URL.
        let mut cause: &dyn std::error::Error = err;
        while let Some(next) = cause.source() {
            cause = next;
        }
        let what = if err.is_connect() { "cannot connect" } else { "network error" };
        FetchError::Network(format!("{what}: {cause}"))
    }
}

/// `Retry-After` as seconds or an HTTP date, counted from `now`; at most a week.
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let value = value.trim();
    let seconds = match value.parse::<u64>() {
        Ok(seconds) => seconds,
        Err(_) => {
            let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
            at.as_second().saturating_sub(now.as_second()).max(0) as u64
        }
    };
    Some(Duration::from_secs(seconds.min(7 * 86_400)))
}

/// What the SSRF guard lets through.
#[derive(Clone, Debug, Default)]
struct Guard {
    allow_private: bool,
    exceptions: Vec<IpAddr>,
}

impl Guard {
    fn of(limits: &FetchLimits) -> Guard {
        Guard { allow_private: limits.allow_private, exceptions: limits.private_exceptions.clone() }
    }

    /// Why `ip` is refused, if it is.
    fn refuses(&self, ip: IpAddr) -> Option<&'static str> {
        if self.allow_private || self.exceptions.contains(&ip) {
            return None;
        }
        forbidden(ip)
    }
}

/// Refuses what the guard forbids: a scheme other than http(s), and (unless
/// `allow_private`) a host that is, or resolves only to, a forbidden address.
pub async fn check_target(url: &url::Url, allow_private: bool) -> Result<(), FetchError> {
    check_target_with(url, &Guard { allow_private, exceptions: Vec::new() }).await
}

async fn check_target_with(url: &url::Url, guard: &Guard) -> Result<(), FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::Refused(format!("{}: only http and https are fetched", url.scheme())));
    }
    if guard.allow_private {
        return Ok(());
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let addresses: Vec<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
        Some(url::Host::Domain(name)) => match tokio::net::lookup_host((name, port)).await {
            Ok(found) => found.map(|a| a.ip()).collect(),
            Err(err) => return Err(FetchError::Network(format!("cannot resolve {name}: {err}"))),
        },
        None => return Err(FetchError::Refused("a URL without a host".into())),
    };
    let mut reasons = addresses.iter().filter_map(|ip| guard.refuses(*ip).map(|why| (ip, why)));
    if let Some((ip, why)) = reasons.next()
        && addresses.iter().all(|ip| guard.refuses(*ip).is_some())
    {
        return Err(FetchError::Refused(format!(
            "{} is {ip}, a {why} address (set NEWSDESK_FEEDS_ALLOW_PRIVATE=true to allow)",
            url.host_str().unwrap_or_default()
        )));
    }
    Ok(())
}

/// Why `ip` may not be fetched, or `None` for a public address.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_v4(v4);
            }
            let s = v6.segments();
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if s[0] & 0xfe00 == 0xfc00 {
                Some("private")
            } else if s[0] & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if s[0] & 0xff00 == 0xff00 {
                Some("multicast")
            } else if s[0] == 0x64 && s[1] == 0xff9b {
                // NAT64: the IPv4 address it stands for decides.
                forbidden_v4(Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8))
            } else if s[0] == 0x2002 {
                // 6to4 likewise.
                forbidden_v4(Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8))
            } else if s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0 && s[5] == 0 {
                // IPv4-compatible (deprecated) ::a.b.c.d.
                forbidden_v4(Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8))
            } else {
                None
            }
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        // 169.254.169.254 is the cloud metadata service.
        Some("link-local (metadata)")
    } else if a == 100 && (64..128).contains(&b) {
        // Carrier-grade NAT; 100.100.100.200 is a metadata service too.
        Some("shared (carrier NAT)")
    } else if a == 0 || ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_broadcast()
        || ip.is_multicast()
        || a >= 240
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (b == 18 || b == 19))
    {
        Some("reserved")
    } else {
        None
    }
}

/// The resolver the client connects through: it drops forbidden addresses, so a
/// name that resolves differently at connect time (DNS rebinding) still cannot
/// reach one.
struct GuardedResolver {
    guard: Guard,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.guard.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> =
                found.into_iter().filter(|a| guard.refuses(a.ip()).is_none()).collect();
            if allowed.is_empty() {
                let refused = std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!("{host} resolves only to addresses newsdesk does not fetch"),
                );
                return Err(Box::new(refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_addresses_are_named() {
        for (ip, why) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local (metadata)"),
            ("100.100.100.200", "shared (carrier NAT)"),
            ("0.0.0.0", "unspecified"),
            ("::1", "loopback"),
            ("fd00:ec2::254", "private"),
            ("fe80::1", "link-local"),
            ("::ffff:127.0.0.1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "link-local (metadata)"),
        ] {
            assert_eq!(forbidden(ip.parse().unwrap()), Some(why), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"] {
            assert_eq!(forbidden(ip.parse().unwrap()), None, "{ip}");
        }
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        let now: jiff::Timestamp = "2026-03-01T12:00:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Sun, 01 Mar 2026 12:01:00 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[tokio::test]
    async fn the_guard_refuses_schemes_and_private_hosts() {
        let refused = |url: &str, allow| {
            let url: url::Url = url.parse().unwrap();
            async move { check_target(&url, allow).await }
        };
        assert!(matches!(refused("ftp://example.org/x", true).await, Err(FetchError::Refused(_))));
        assert!(matches!(refused("file:///etc/passwd", true).await, Err(FetchError::Refused(_))));
        let err = refused("http://127.0.0.1:9/feed", false).await.unwrap_err();
        assert!(err.to_string().contains("loopback"), "{err}");
        let err = refused("http://localhost:9/feed", false).await.unwrap_err();
        assert!(err.to_string().contains("loopback"), "{err}");
        assert!(refused("http://[::ffff:169.254.169.254]/latest", false).await.is_err());
        assert!(refused("http://127.0.0.1:9/feed", true).await.is_ok());
    }
}
