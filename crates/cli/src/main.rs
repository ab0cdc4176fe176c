//! `coinpeer`: the command-line face of the coinpeer libraries.

mod adapter;
mod chain;
mod connect;
mod decode;
mod demo;
mod describe;
mod listen;
mod network;
mod output;
mod rand;

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Peers for Bitcoin-family and Decred networks.
#[derive(Parser)]
#[command(name = "coinpeer", version, about)]
struct Cli {
    /// Log what the peers do (debug level) on stderr. RUST_LOG (e.g. `coinpeer_runtime=trace`) chooses
    /// finer.
    #[arg(long, short, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode framed P2P messages (or one bare payload) and print one line per message.
    Decode(decode::DecodeArgs),
    /// Run a small network of in-process peers on 127.0.0.1 and show what they do.
    Demo(demo::DemoArgs),
    /// Dial a node, handshake, ping, and optionally download and check its headers and blocks.
    Connect(connect::ConnectArgs),
    /// Accept peers, log what they send, and serve the headers and blocks heard from them.
    Listen(listen::ListenArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs the subcommand itself prints through `tracing`, shown unless RUST_LOG says otherwise.
    let own_logs = match &cli.command {
        Command::Listen(args) => args.log_target(),
        _ => None,
    };
    let result = init_tracing(cli.verbose, own_logs).and_then(|()| match cli.command {
        Command::Decode(args) => decode::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Connect(args) => connect::run(args),
        Command::Listen(args) => listen::run(args),
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Sends `tracing` output to stderr: what RUST_LOG selects, else everything at debug with `--verbose`, else
/// only `own` (a subcommand's own log target, at info).
fn init_tracing(verbose: bool, own: Option<&'static str>) -> Result<(), String> {
    let mut filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => {
            spec.parse::<Targets>().map_err(|e| format!("RUST_LOG {spec:?}: {e}"))?
        }
        _ if verbose => Targets::new().with_default(tracing::Level::DEBUG),
        _ => Targets::new(),
    };
    if let Some(target) = own {
        if !filter.would_enable(target, &tracing::Level::INFO) {
            filter = filter.with_target(target, tracing::Level::INFO);
        }
    }
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    tracing_subscriber::registry()
        .with(fmt)
        .with(filter)
        .try_init()
        .map_err(|e| format!("logging: {e}"))
}

/// The tokio runtime of the networked subcommands.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Parses a number of seconds, fractions allowed (`0.2`).
pub(crate) fn parse_secs(s: &str) -> Result<Duration, String> {
    let secs: f64 = s.parse().map_err(|_| format!("{s:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{s:?} is not a valid number of seconds"))
}
