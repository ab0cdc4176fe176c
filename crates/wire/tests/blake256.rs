//! Tests for Decred's BLAKE-256 (14 rounds): published vectors, padding
//! boundaries, incremental hashing, and a differential test against the
//! independent pure-Python implementation from PyPI (`pip install blake256`).

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use coinpeer_wire::decred::blake256::{blake256, Blake256};

fn hex_digest(data: &[u8]) -> String {
    hex::encode(blake256(data))
}

/// Byte `i` is `7 * i + 3` modulo 256; the inputs behind the boundary
/// vectors below.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

/// splitmix64: a tiny deterministic generator for test inputs.
struct SplitMix(u64);

impl SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

#[test]
fn empty_input() {
    // dcrd's vector for the empty message.
    assert_eq!(
        hex_digest(b""),
        "716f6e863f744b9ac22c97ec7b76ea5f5908bc5b2f67c61510bfc4751384ea7a"
    );
    assert_eq!(blake256(b""), Blake256::new().finalize());
    assert_eq!(blake256(b""), Blake256::default().finalize());
}

#[test]
fn published_vectors() {
    let cases: [(&[u8], &str); 6] = [
        // The BLAKE submission's one-block and two-block examples.
        (
            &[0x00],
            "0ce8d4ef4dd7cd8d62dfded9d4edb0a774ae6a41929a74da23109e8f11139c87",
        ),
        (
            &[0x00; 72],
            "d419bad32d504fb7d44d460c42c5593fe544fa4c135dec31e21bd9abdcc22d41",
        ),
        // Widely quoted BLAKE-256 example.
        (
            b"The quick brown fox jumps over the lazy dog",
            "7576698ee9cad30173080678e5965916adbb11cb5245d386bf1ffda1cb26c9d7",
        ),
        // From the test vectors shipped with PyPI `blake256`.
        (
            b"abc",
            "1833a9fa7cf4086bd5fda73da32e5a1d75b4c3f89d5c436369f9d78bb2da5c28",
        ),
        (
            b"He who has a shady past knows that nice guys finish last.",
            "4d48d137bc9cf6d21415b805bf33f59320337d85c673998260e03a02a0d760cd",
        ),
        (
            b"There is no reason for any individual to have a computer in their home. -Ken Olsen, 1977",
            "8ff699b5ac7687c82600e89d0ff6cfa87e7179759184386971feb76fbae9975f",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(hex_digest(input), expected, "input of {} bytes", input.len());
    }
}

#[test]
fn padding_boundaries_and_multi_block() {
    // Expected values computed with PyPI `blake256` 0.1.1 on `pattern(len)`.
    // 55: padding fills the block exactly (0x81 marker byte); 56..=63: the
    // length spills into a padding-only block; 64/128: whole blocks, then a
    // padding-only block; the rest straddle block boundaries.
    let cases = [
        (55, "bd5241d172e5ee176179fa886b2a15742c734a4973620ddd6b5f47fca74e4aee"),
        (56, "2344df8e5b842f20951adcecd18f561c46498f1f8e9cba4119988fb3dcd723c9"),
        (63, "f013d70db3be7ac666ece615fc77740a2de3bdd7091872b6f2e226cc72248a09"),
        (64, "6d4e371d3366e12bca113bf3346655dfb017fdc784a58284752aa8101318590b"),
        (65, "79631e6e9c4faf67e46c647b8cf77ce2716113d9a76a255ed4f6b05ceae66b35"),
        (111, "ddc5b3315a25fa4335c86fb65386a8e9dafd052b2283e0c126b39f46403102b3"),
        (112, "336c5dfd9e099c1ca01c8d0ce3338bc715f67dd8371e6b64c239b3f9a29dfbda"),
        (119, "342625129a2d6ba760dc8351109bc158db97868f8599d8de152dd5f72fcc19a3"),
        (120, "bbb8749bd617a96e266418d8b9ec752a50e08dedc4ccc2da001358cbb152d113"),
        (128, "cbb02d67f49c7f9785df20fa68614774ff7322f43a511de6af4db97ff97d3a3c"),
        (129, "7c8b2b6f6c3a52b2e60c04ca86d3c970ce9f775be214fdf3606263a702dc8638"),
        (1000, "c1a0135b6e7e1efafbb1bb4582bddb0256cf51382134178551654e7a05ec10c7"),
        (4096, "9325426c502c674c44a300baadf636c9238cae22dfa9c7cc76027eec29a53471"),
    ];
    for (len, expected) in cases {
        let data = pattern(len);
        assert_eq!(hex_digest(&data), expected, "length {len}");
    }

    // One million 'a's, also from PyPI `blake256`.
    assert_eq!(
        hex_digest(&vec![b'a'; 1_000_000]),
        "22be6de4aa4214c9403f10598f0a6b0e834570251a13bc27589437f7139a5d44"
    );
}

#[test]
fn incremental_matches_one_shot_at_every_split() {
    let data = pattern(200);
    let expected = blake256(&data);
    for split in 0..=data.len() {
        let mut hasher = Blake256::new();
        hasher.update(&data[..split]);
        hasher.update(&data[split..]);
        assert_eq!(hasher.finalize(), expected, "split at {split}");
    }
}

#[test]
fn incremental_one_byte_at_a_time() {
    let data = pattern(200);
    // Every prefix length, so each padding case is reached incrementally.
    let mut hasher = Blake256::new();
    for (i, byte) in data.iter().enumerate() {
        assert_eq!(hasher.clone().finalize(), blake256(&data[..i]), "prefix {i}");
        hasher.update(std::slice::from_ref(byte));
    }
    assert_eq!(hasher.finalize(), blake256(&data));
}

#[test]
fn incremental_uneven_chunks() {
    let data = pattern(3000);
    let expected = blake256(&data);
    for chunk in [1, 3, 17, 55, 63, 64, 65, 127, 200, 1024] {
        let mut hasher = Blake256::new();
        for piece in data.chunks(chunk) {
            hasher.update(piece);
            hasher.update(&[]);
        }
        assert_eq!(hasher.finalize(), expected, "chunks of {chunk}");
    }
}

#[test]
fn clone_forks_the_state() {
    let mut a = Blake256::new();
    a.update(b"common prefix, longer than one sixty-four byte block of input....");
    let mut b = a.clone();
    a.update(b"left");
    b.update(b"right");
    let (left, right) = (a.finalize(), b.finalize());
    assert_ne!(left, right);
    assert_eq!(
        left,
        blake256(b"common prefix, longer than one sixty-four byte block of input....left")
    );
    assert_eq!(
        right,
        blake256(b"common prefix, longer than one sixty-four byte block of input....right")
    );
    assert!(format!("{:?}", Blake256::new()).starts_with("Blake256"));
}

/// Reads hex lines, each prefixed with 'x' so an empty input is a visible
/// line, and prints one hex digest per line. Exit status 3 means the module
/// is not installed.
const PY_SCRIPT: &str = r#"
import sys
try:
    from blake256.blake256 import blake_hash
except ImportError:
    sys.exit(3)
out = []
for line in sys.stdin.read().splitlines():
    out.append(blake_hash(bytes.fromhex(line[1:])).hex())
sys.stdout.write("\n".join(out) + "\n")
"#;

#[test]
fn differential_against_pypi_blake256() {
    let mut rng = SplitMix(0x00C0_FFEE_DEC8_ED00);
    let inputs: Vec<Vec<u8>> = (0..200)
        .map(|_| {
            let len = (rng.next_u64() % 5001) as usize;
            rng.bytes(len)
        })
        .collect();

    let child = Command::new("python3")
        .args(["-c", PY_SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(err) => {
            support::skipped(format_args!("differential BLAKE-256 test: cannot run python3 ({err})"));
            return;
        }
    };

    let mut stdin_text = String::new();
    for input in &inputs {
        stdin_text.push('x');
        stdin_text.push_str(&hex::encode(input));
        stdin_text.push('\n');
    }
    let mut stdin = child.stdin.take().expect("stdin was piped");
    // Written from a thread so a chatty child can never deadlock the test.
    let writer = std::thread::spawn(move || stdin.write_all(stdin_text.as_bytes()));
    let output = child.wait_with_output().expect("waiting for python3");
    // A child that exits early closes the pipe; its status explains why.
    let _ = writer.join().expect("stdin writer thread");

    if output.status.code() == Some(3) {
        support::skipped(format_args!(
            "differential BLAKE-256 test: python3 lacks the `blake256` module (pip install blake256)"
        ));
        return;
    }
    assert!(
        output.status.success(),
        "python3 failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );

    let stdout = String::from_utf8(output.stdout).expect("python3 printed non-UTF-8");
    let theirs: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        theirs.len(),
        inputs.len(),
        "python3 returned the wrong number of digests"
    );
    for (i, (input, their)) in inputs.iter().zip(theirs).enumerate() {
        assert_eq!(hex_digest(input), their, "input #{i}, {} bytes", input.len());
    }
}
