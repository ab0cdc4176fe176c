//! Shared helpers for tests that read `../shared/testdata`.
#![allow(dead_code)]

use std::path::PathBuf;

/// The test data folder: `$COINPEER_TESTDATA`, else `../shared/testdata` beside the repository.
///
/// `None`, after a loud notice on stderr, when it is absent: only the tests that need it skip.
pub fn testdata(test: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os("COINPEER_TESTDATA") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata"),
    };
    if dir.is_dir() {
        Some(dir)
    } else {
        skipped(format_args!(
            "{test}: test data folder {} not found (set COINPEER_TESTDATA)",
            dir.display()
        ));
        None
    }
}

/// Reads a file of the test data folder.
pub fn read(dir: &std::path::Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"))
}

/// Reads a hex file of the test data folder.
pub fn read_hex(dir: &std::path::Path, name: &str) -> Vec<u8> {
    let text = String::from_utf8(read(dir, name)).expect("hex file is text");
    hex::decode(text.split_whitespace().collect::<String>()).expect("valid hex")
}

/// One row of a `*.hashes.txt` companion file: whitespace-separated columns, `#` comments skipped.
pub fn hash_rows(dir: &std::path::Path, name: &str) -> Vec<Vec<String>> {
    String::from_utf8(read(dir, name))
        .expect("text")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// Reports a test whose input is missing: a loud `SKIPPED` line, or a failure when `COINPEER_REQUIRE_INPUTS`
/// is set, as CI sets it, so that a test never passes there without its input.
pub fn skipped(why: std::fmt::Arguments<'_>) {
    assert!(
        std::env::var_os("COINPEER_REQUIRE_INPUTS").is_none(),
        "input required but missing: {why}"
    );
    eprintln!("SKIPPED {why}");
}
