//! A minimal JSON-RPC 1.0 client over HTTP/1.1 with basic auth: one request per connection, std only. Bitcoin
//! Core, Litecoin Core, Bitcoin SV and bcoin all speak this.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Long enough for a node to mine a few regtest blocks.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// A node's RPC endpoint on 127.0.0.1.
pub struct Rpc {
    addr: SocketAddr,
    /// `user:password` in base64, for the `Authorization: Basic` header.
    credentials: String,
}

impl Rpc {
    pub fn new(port: u16, user: &str, password: &str) -> Rpc {
        Rpc {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            credentials: base64(format!("{user}:{password}").as_bytes()),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Calls `method` and returns its `result`, or the node's error (or the transport's) as text.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({"jsonrpc": "1.0", "id": "coinpeer-interop", "method": method, "params": params}).to_string();
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nAuthorization: Basic {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            self.credentials,
            body.len()
        );
        let mut stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5))
            .map_err(|e| format!("{method}: connecting to RPC {}: {e}", self.addr))?;
        stream.set_read_timeout(Some(CALL_TIMEOUT)).map_err(|e| e.to_string())?;
        stream
            .write_all(request.as_bytes())
            .map_err(|e| format!("{method}: sending to RPC {}: {e}", self.addr))?;
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .map_err(|e| format!("{method}: reading from RPC {}: {e}", self.addr))?;
        let (status_line, body) = parse_http(&response).map_err(|e| format!("{method}: {e}"))?;
        // Errors come with HTTP 500 (Bitcoin Core) or 200 (bcoin) and a JSON body either way: read the body first.
        let reply: Value = serde_json::from_slice(&body).map_err(|_| {
            format!(
                "{method}: {status_line}: {}",
                String::from_utf8_lossy(&body).chars().take(200).collect::<String>()
            )
        })?;
        match &reply["error"] {
            Value::Null => Ok(reply["result"].clone()),
            error => Err(format!(
                "{method}: {}",
                error["message"].as_str().unwrap_or(&error.to_string())
            )),
        }
    }
}

/// Splits an HTTP response into its status line and body (de-chunked when needed).
fn parse_http(response: &[u8]) -> Result<(String, Vec<u8>), String> {
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("not an HTTP response: {:?}", String::from_utf8_lossy(response)))?;
    let head = String::from_utf8_lossy(&response[..split]);
    let body = &response[split + 4..];
    let status_line = head.lines().next().unwrap_or_default().to_string();
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    if chunked {
        Ok((status_line, dechunk(body)?))
    } else {
        Ok((status_line, body.to_vec()))
    }
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("truncated chunked body")?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| format!("bad chunk size {size_text:?}"))?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = body.get(..size).ok_or("truncated chunk")?;
        out.extend_from_slice(chunk);
        body = body.get(size + 2..).ok_or("truncated chunk")?;
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_rfc_4648() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
}

#[test]
fn chunked_bodies_are_joined() {
    let (status, body) =
        parse_http(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n")
            .expect("a valid response");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(body, b"{\"a\":1}");
}
