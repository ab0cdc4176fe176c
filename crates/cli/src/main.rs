//! `coinpeer`: the command-line face of the coinpeer libraries.

mod decode;
mod describe;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Peers for Bitcoin-family and Decred networks.
#[derive(Parser)]
#[command(name = "coinpeer", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode framed P2P messages (or one bare payload) and print one line per message.
    Decode(decode::DecodeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => decode::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
