//! `coinpeer decode`: framed messages or a bare payload in, one line per message out.

use crate::describe::Describe;
use crate::network::{parse_network, NETWORK_HELP};
use bytes::Bytes;
use coinpeer_wire::{Command, Dialect, ErrorKind, FrameDecoder, Network, WireMessage};
use std::io::{Read, Write};
use std::process::ExitCode;

/// Arguments of `coinpeer decode`.
#[derive(clap::Args)]
pub(crate) struct DecodeArgs {
    #[arg(long, help = NETWORK_HELP)]
    network: String,
    /// Input is hex text (whitespace ignored) rather than raw bytes.
    #[arg(long)]
    hex: bool,
    /// Print one JSON object per line.
    #[arg(long)]
    json: bool,
    /// Read one bare payload of this command (no 24-byte header), e.g. a raw block file with `block`.
    #[arg(long, value_name = "COMMAND")]
    payload: Option<String>,
    /// Protocol version to decode at (default: the newest of the dialect).
    #[arg(long, value_name = "N")]
    protocol_version: Option<u32>,
    /// Input file, or `-` for standard input.
    #[arg(default_value = "-")]
    file: String,
}

fn read_input(args: &DecodeArgs) -> Result<Vec<u8>, String> {
    let mut raw = Vec::new();
    if args.file == "-" {
        std::io::stdin().read_to_end(&mut raw)
    } else {
        std::fs::File::open(&args.file).and_then(|mut f| f.read_to_end(&mut raw))
    }
    .map_err(|e| format!("reading {}: {e}", args.file))?;
    if !args.hex {
        return Ok(raw);
    }
    let text: Vec<u8> = raw.into_iter().filter(|b| !b.is_ascii_whitespace()).collect();
    hex::decode(&text).map_err(|e| format!("input is not hex: {e}"))
}

pub(crate) fn run(args: DecodeArgs) -> Result<ExitCode, String> {
    let network = parse_network(&args.network)?;
    let input = read_input(&args)?;
    match network.dialect() {
        Dialect::Bitcoin => decode_all::<coinpeer_wire::bitcoin::Message>(&args, network, input),
        Dialect::Decred => decode_all::<coinpeer_wire::decred::Message>(&args, network, input),
    }
}

/// One decoded message as printed.
fn print<M: Describe>(out: &mut impl Write, json: bool, msg: &M, length: usize, checksum: &str) {
    let line = if json {
        let mut v = msg.to_json();
        if let serde_json::Value::Object(map) = &mut v {
            map.insert("command".into(), msg.command().to_string().into());
            map.insert("length".into(), length.into());
            map.insert("checksum".into(), checksum.into());
        }
        v.to_string()
    } else {
        format!(
            "{:<12} {:>8} bytes  checksum {:<4} {}",
            msg.command(),
            length,
            checksum,
            msg.summary()
        )
    };
    // A closed pipe (e.g. `| head`) ends the output quietly.
    let _ = writeln!(out, "{line}");
}

fn decode_all<M: WireMessage + Describe>(
    args: &DecodeArgs,
    network: Network,
    input: Vec<u8>,
) -> Result<ExitCode, String> {
    let version = args.protocol_version.unwrap_or(match network.dialect() {
        Dialect::Bitcoin => coinpeer_wire::bitcoin::version::MAX,
        Dialect::Decred => coinpeer_wire::decred::version::MAX,
    });
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Some(cmd) = &args.payload {
        let command = Command::new(cmd).map_err(|e| e.to_string())?;
        let payload = Bytes::from(input);
        let msg = M::decode_payload(&command, &payload, version).map_err(|e| e.to_string())?;
        print(&mut out, args.json, &msg, payload.len(), "n/a");
        return Ok(ExitCode::SUCCESS);
    }
    // Checksums are checked here rather than by the decoder, so that a bad one is reported on the message's
    // own line and decoding can go on with the next frame.
    let mut frames = FrameDecoder::new(network.clone(), version).verify_checksum(false);
    frames.extend_from_slice(&input);
    let mut failed = false;
    loop {
        let frame = match frames.next_frame() {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(e.to_string()),
        };
        let ok = network.dialect().checksum(&frame.payload) == frame.header.checksum;
        match frame.decode::<M>(version) {
            Ok(msg) => print(
                &mut out,
                args.json,
                &msg,
                frame.payload.len(),
                if ok { "ok" } else { "BAD" },
            ),
            Err(mut e) => {
                // Payload offsets become input offsets, which is what a user can look up.
                e.offset += frame.offset + coinpeer_wire::HEADER_LEN as u64;
                return Err(e.to_string());
            }
        }
        if !ok {
            let kind = ErrorKind::BadChecksum {
                expected: frame.header.checksum,
                computed: network.dialect().checksum(&frame.payload),
            };
            eprintln!("error: {}: {kind} at byte {}", frame.header.command, frame.offset + 20);
            failed = true;
        }
    }
    if frames.buffered() > 0 {
        let (left, at) = (frames.buffered(), frames.stream_offset());
        return Err(format!(
            "input ends inside a message: {left} bytes left undecoded at byte {at}"
        ));
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
