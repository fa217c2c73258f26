//! `newsdesk import telegram result.json`: a channel's history from a Telegram
//! Desktop export, written into the corpus as the bot writes the posts it archives,
//! then indexed.

use std::path::PathBuf;

use anyhow::Context;

use super::{Paths, UsageError, check_corpus, open_index, sync_with_progress};
use crate::config::Config;
use crate::index::{self, ServeLock};
use crate::ingest::telegram::{ArchiveError, ChannelArchive, TELEGRAM_FOLDER};

#[derive(Debug, clap::Subcommand)]
pub enum ImportSource {
    /// A Telegram Desktop JSON export (`result.json`) of a channel (Export chat
    /// history → JSON), or of a whole account, whose channels are taken.
    Telegram {
        /// The export's `result.json`.
        export: PathBuf,
        /// The channel's @username, for `t.me/<username>/<id>` links (exports do not
        /// say it; without it, the one the bot's archived posts use, else
        /// `t.me/c/<id>/<id>` links, which open for the channel's members).
        #[arg(long)]
        username: Option<String>,
        #[command(flatten)]
        paths: Paths,
    },
}

pub fn import(config: &mut Config, source: ImportSource) -> anyhow::Result<()> {
    let ImportSource::Telegram { export, username, paths } = source;
    paths.apply(config);
    check_corpus(config)?;
    let archive = ChannelArchive::new(&config.corpus);
    let report = match archive.import(&export, username.as_deref()) {
        Ok(report) => report,
        Err(err @ ArchiveError::Export { .. }) => return Err(UsageError(err.to_string()).into()),
        Err(err) => return Err(err).context("cannot import the export"),
    };
    let mut changed = false;
    for (channel, saved) in &report.channels {
        changed |= saved.changed();
        eprintln!(
            "imported “{}” into {}/{}: {} new posts, {} changed, {} already there; {} skipped (service messages, posts without text)",
            crate::ingest::escaped(&channel.title),
            TELEGRAM_FOLDER,
            channel.own_id(),
            saved.added,
            saved.replaced,
            saved.unchanged,
            saved.skipped,
        );
    }
    if report.channels.is_empty() {
        eprintln!("the export holds no channel; nothing imported");
    }
    if report.other_chats > 0 {
        eprintln!("{} chats that are not channels were left out", report.other_chats);
    }
    if !changed {
        return Ok(());
    }
    if let Some(holder) = ServeLock::holder(&config.index) {
        if holder.corpus == index::absolute(&config.corpus) {
            eprintln!(
                "newsdesk serve (pid {}) runs on this corpus and indexes the new posts by itself within seconds",
                holder.pid
            );
        } else {
            eprintln!(
                "not indexed: newsdesk serve (pid {}) runs on the index in {} for another corpus ({}); give this corpus its own --index",
                holder.pid,
                config.index.display(),
                holder.corpus.display()
            );
        }
        return Ok(());
    }
    let index = open_index(config)?;
    let report = sync_with_progress(&index, &config.corpus).context("cannot index the corpus")?;
    eprintln!(
        "indexed {} articles in {:.2} s ({} files read)",
        report.articles, report.seconds, report.files_indexed
    );
    Ok(())
}
