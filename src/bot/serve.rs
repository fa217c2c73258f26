//! Running the bot: the Bot API client, the dispatcher, long polling or the webhook,
//! the HTTP listener, the digest scheduler and the Telegram health probe.

use std::sync::Arc;
use std::time::Duration;

use teloxide::adaptors::throttle::Limits;
use teloxide::prelude::*;

use super::send::{error_detail, error_kind};
use super::{App, AppBot, Throttled, UPDATE_KINDS, dependencies, digests, register_commands, schema};
use crate::config::Config;
use crate::ops::{self, ErrorKind};

/// The Bot API client for `config`: its token and, when set, its API URL.
pub fn bot(config: &Config) -> anyhow::Result<Bot> {
    let token = config.token()?;
    let mut bot = Bot::new(token.expose());
    if let Some(url) = &config.telegram_api_url {
        bot = bot.set_api_url(url.clone());
    }
    Ok(bot)
}

/// Wraps `bot` in `Throttle` with Telegram's limits.
pub fn throttled(bot: Bot) -> Throttled {
    bot.throttle(Limits::default())
}

/// The dispatcher over [`schema`], with its dependencies, logging and Ctrl-C handling.
/// Building it checks that every dependency the tree needs is present.
pub fn dispatcher<R: AppBot>(
    bot: R,
    app: Arc<App>,
) -> Dispatcher<R, anyhow::Error, teloxide::dispatching::DefaultKey> {
    let errors = Arc::clone(&app);
    Dispatcher::builder(bot, schema::<R>())
        .dependencies(dependencies(app))
        .default_handler(|update| async move {
            tracing::debug!(update_id = ?update.id, "ignored update");
        })
        .error_handler(Arc::new(move |err: anyhow::Error| {
            let app = Arc::clone(&errors);
            async move {
                if let Some(telegram) = err.downcast_ref::<teloxide::RequestError>() {
                    app.telegram_error(telegram);
                    tracing::warn!(error = %error_detail(telegram), "Telegram refused a reply");
                } else {
                    tracing::error!(error = ?err, "update handler failed");
                }
            }
        }))
        .enable_ctrlc_handler()
        .build()
}

/// How often the digest scheduler looks for due subscriptions and pending messages.
pub const SCHEDULER_TICK: Duration = Duration::from_secs(1);

/// How updates arrive.
#[derive(Clone, Debug, Default)]
pub enum Updates {
    /// `getUpdates` long polling: no public address needed.
    #[default]
    Polling,
    /// Telegram posts updates to `url` (which the HTTP listener serves, behind the
    /// self-hoster's HTTPS proxy), each carrying `secret`.
    Webhook { url: url::Url, secret: Option<crate::config::Secret> },
}

/// Connects, registers the command menu, starts the digest scheduler (which first
/// delivers what a previous run left in the outbox), the Telegram health probe and
/// the HTTP listener (`/healthz`, `/metrics`, and the webhook in webhook mode), then
/// handles updates until SIGINT (Ctrl-C) or SIGTERM, finishing those in flight.
pub async fn serve<R: AppBot>(
    bot: R,
    app: Arc<App>,
    http: Option<tokio::net::TcpListener>,
    updates: Updates,
) -> anyhow::Result<()> {
    let me = bot.get_me().await.map_err(|err| refused("getMe", &err))?;
    app.telegram_ok();
    tracing::info!(username = %me.username(), "connected to Telegram");
    register_commands(&bot).await.map_err(|err| match err.downcast_ref::<teloxide::RequestError>() {
        Some(telegram) => refused("setMyCommands", telegram),
        None => err,
    })?;
    let scheduler = tokio::spawn(digests::run_scheduler(bot.clone(), Arc::clone(&app), SCHEDULER_TICK));
    let probe = tokio::spawn(probe_telegram(bot.clone(), Arc::clone(&app)));
    let mut routes = ops::router(app.ops_state());
    let mut dispatcher = dispatcher(bot.clone(), Arc::clone(&app));
    let token = dispatcher.shutdown_token();
    tokio::spawn(stop_on_sigterm(token));

    match updates {
        Updates::Polling => {
            if let Some(listener) = http {
                tokio::spawn(serve_http(listener, routes, None));
            }
            let polling = teloxide::update_listeners::polling_default(bot).await;
            let polling_errors = Arc::clone(&app);
            let on_error = Arc::new(move |err: teloxide::RequestError| {
                let app = Arc::clone(&polling_errors);
                async move { on_polling_error(&app, &err).await }
            });
            dispatcher.dispatch_with_listener(polling, on_error).await;
        }
        Updates::Webhook { url, secret } => {
            let listener = http.ok_or_else(|| anyhow::anyhow!("webhook mode needs the HTTP listener"))?;
            let address = listener.local_addr()?;
            let mut options = teloxide::update_listeners::webhooks::Options::new(address, url.clone());
            if let Some(secret) = secret {
                options = options.secret_token(secret.expose().to_owned());
            }
            // Sets the webhook with the secret (checked on every request) and the
            // update kinds the tree handles; stopping the listener deletes it again.
            // (teloxide's own set-up sends no `allowed_updates`, so Telegram would
            // keep the list of an earlier run.)
            let secret_token = options.get_or_gen_secret_token().to_owned();
            bot.set_webhook(url.clone())
                .secret_token(secret_token)
                .drop_pending_updates(false)
                .allowed_updates(UPDATE_KINDS)
                .await
                .map_err(|err| refused("setWebhook", &err))?;
            let (webhook, stopped, webhook_routes) =
                teloxide::update_listeners::webhooks::axum_no_setup(options);
            let stopped = async move {
                stopped.await;
                if let Err(err) = bot.delete_webhook().await {
                    tracing::warn!(error = %error_detail(&err), "cannot delete the webhook");
                }
            };
            app.telegram_ok();
            tracing::info!(path = url.path(), "webhook set; Telegram posts updates to it");
            routes = routes.merge(webhook_routes);
            let server = tokio::spawn(serve_http(listener, routes, Some(Box::pin(stopped))));
            dispatcher
                .dispatch_with_listener(
                    webhook,
                    LoggingErrorHandler::with_custom_text("webhook listener failed"),
                )
                .await;
            let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        }
    }
    // A digest cut off mid-send stays pending in the outbox and goes out next start.
    scheduler.abort();
    probe.abort();
    tracing::info!("stopped");
    Ok(())
}

/// A Bot API call that start-up needs failed: the method and a short reason, never
/// Telegram's raw answer (which may be long, or an HTML page from a proxy).
fn refused(method: &str, err: &teloxide::RequestError) -> anyhow::Error {
    let mut reason = error_detail(err);
    if reason.chars().count() > 200 {
        reason = reason.chars().take(200).collect::<String>() + "…";
    }
    anyhow::anyhow!("cannot start: Telegram's {method} failed: {reason}")
}

/// `enable_ctrlc_handler` only listens for SIGINT, but `docker stop` and systemd send
/// SIGTERM: without this, in-flight updates are cut off.
async fn stop_on_sigterm(token: teloxide::dispatching::ShutdownToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut sigterm) = signal(SignalKind::terminate()) else {
        tracing::warn!("cannot listen for SIGTERM; only Ctrl-C stops the bot cleanly");
        return;
    };
    sigterm.recv().await;
    tracing::info!("SIGTERM received, finishing the updates in flight");
    // Shutting down before dispatching has started fails; retry until it works.
    loop {
        match token.shutdown() {
            Ok(done) => {
                done.await;
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

type StopFuture = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// HTTP connections served at once; a connection past this is closed at once, so
/// the listener never takes the file descriptors the index needs.
pub const HTTP_MAX_CONNECTIONS: usize = 256;

/// How long a client has to send a request's headers. It also closes a connection
/// idle between requests, since hyper waits for the next headers under it.
pub const HTTP_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long reading a request's body and answering it may take.
pub const HTTP_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `routes` until `stop` resolves (or forever): HTTP/1 with header, body and
/// idle timeouts and at most [`HTTP_MAX_CONNECTIONS`] connections (`axum::serve` has
/// none of these).
async fn serve_http(listener: tokio::net::TcpListener, routes: axum::Router, stop: Option<StopFuture>) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let address = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    tracing::info!(%address, "HTTP listening: /healthz, /metrics");
    let slots = Arc::new(tokio::sync::Semaphore::new(HTTP_MAX_CONNECTIONS));
    let mut stop = stop.unwrap_or_else(|| Box::pin(std::future::pending()));
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of file descriptors, most likely: wait for some to be freed.
                tracing::warn!(error = %err, "cannot accept an HTTP connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::debug!("too many HTTP connections; a new one is closed");
            continue;
        };
        let routes = routes.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |request: axum::extract::Request<hyper::body::Incoming>| {
                    let answer = routes.clone().oneshot(request.map(axum::body::Body::new));
                    async move {
                        match tokio::time::timeout(HTTP_REQUEST_TIMEOUT, answer).await {
                            Ok(answered) => answered,
                            Err(_) => Ok(axum::response::IntoResponse::into_response(
                                axum::http::StatusCode::REQUEST_TIMEOUT,
                            )),
                        }
                    }
                });
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(HTTP_HEADER_TIMEOUT);
            if let Err(err) = http.serve_connection(TokioIo::new(stream), service).await {
                tracing::debug!(error = %err, "HTTP connection closed");
            }
            drop(slot);
        });
    }
}

/// Errors from `getUpdates`, counted and explained; teloxide retries by itself.
async fn on_polling_error(app: &App, err: &teloxide::RequestError) {
    app.telegram_error(err);
    match error_kind(err) {
        ErrorKind::Conflict => tracing::error!(
            "another program is receiving this bot's updates with the same token (Telegram answered 409 Conflict); \
             stop the other newsdesk instance, or give each instance its own bot token"
        ),
        _ => tracing::warn!(error = %error_detail(err), "cannot get updates from Telegram; retrying"),
    }
}

/// Confirms every [`ops::TELEGRAM_PROBE_INTERVAL`] that Telegram answers, for
/// `/healthz` (a long poll that returns nothing says nothing either way).
async fn probe_telegram<R: AppBot>(bot: R, app: Arc<App>) {
    loop {
        tokio::time::sleep(ops::TELEGRAM_PROBE_INTERVAL).await;
        match bot.get_me().await {
            Ok(_) => app.telegram_ok(),
            Err(err) => app.telegram_error(&err),
        }
    }
}
