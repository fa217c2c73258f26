use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A missing .env is fine; deployments use the process environment.
    let _ = dotenvy::dotenv();
    newsdesk::cli::init_tracing();

    let args = newsdesk::cli::Args::parse();
    match newsdesk::cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is::<newsdesk::cli::UsageError>() => {
            eprintln!("newsdesk: {err}");
            ExitCode::from(2)
        }
        Err(err) => {
            // `{:#}` prints the whole context chain on one line.
            eprintln!("newsdesk: {err:#}");
            ExitCode::FAILURE
        }
    }
}
