//! The attacker: a raw TCP connection that writes whatever bytes a scenario crafts (frames from the wire
//! crate's encoder where they are valid, by hand where they are not) and reads what the listener answers.

use crate::harness::{Lang, WAIT};
use bytes::BytesMut;
use coinpeer_handshake::HandshakeMessage;
use coinpeer_wire::messages::{NetAddress, ServiceFlags, VersionMessage};
use coinpeer_wire::{encode_frame, Command, EncodeOptions, FrameDecoder, FrameHeader, Network, WireMessage};
use std::marker::PhantomData;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A frame of `command` around `payload`, with the header's length and checksum right.
pub(crate) fn raw_frame(network: &Network, command: &str, payload: &[u8]) -> Vec<u8> {
    let checksum = network.dialect().checksum(payload);
    let mut out = header(network, command, payload.len() as u32, checksum).to_vec();
    out.extend_from_slice(payload);
    out
}

/// A header alone, saying whatever it is told to.
pub(crate) fn header(network: &Network, command: &str, length: u32, checksum: [u8; 4]) -> [u8; 24] {
    FrameHeader {
        magic: network.magic(),
        command: Command::new(command).expect("a command"),
        length,
        checksum,
    }
    .to_bytes()
}

/// A message framed by the wire crate's encoder, at the attackers' version.
pub(crate) fn frame<D: Lang>(msg: &D::Message) -> Vec<u8> {
    let mut out = BytesMut::new();
    encode_frame(&D::NETWORK, msg, EncodeOptions::new(D::VERSION), &mut out).expect("encodes");
    out.to_vec()
}

/// A version message announcing `version`.
pub(crate) fn version<D: Lang>(version: u32, nonce: u64) -> D::Message {
    D::Message::version(version_message(version, nonce))
}

pub(crate) fn version_message(version: u32, nonce: u64) -> VersionMessage {
    VersionMessage {
        version,
        services: ServiceFlags::NETWORK,
        timestamp: 1_700_000_000,
        receiver: NetAddress::unspecified(ServiceFlags::NONE),
        sender: NetAddress::unspecified(ServiceFlags::NETWORK),
        nonce,
        user_agent: "/hostile:1.0/".into(),
        start_height: 0,
        relay: true,
    }
}

pub(crate) struct Attacker<D: Lang> {
    stream: TcpStream,
    frames: FrameDecoder,
    /// Bytes written so far: where the listener's decoder stands once it has read them all.
    pub(crate) sent: u64,
    /// Our end's address, as the listener reports it.
    pub(crate) addr: SocketAddr,
    _dialect: PhantomData<D>,
}

impl<D: Lang> Attacker<D> {
    pub(crate) async fn connect(to: SocketAddr) -> Self {
        Self::from_stream(TcpStream::connect(to).await.expect("connect"))
    }

    /// Connects with a receive buffer as small as the kernel allows: a remote that never reads then
    /// holds back the listener's writes at once, rather than after megabytes of socket buffers.
    pub(crate) async fn connect_tiny_window(to: SocketAddr) -> Self {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(1024).unwrap();
        Self::from_stream(socket.connect(to).await.expect("connect"))
    }

    fn from_stream(stream: TcpStream) -> Self {
        // Each small write leaves at once: a trickle is a trickle.
        stream.set_nodelay(true).unwrap();
        let addr = stream.local_addr().unwrap();
        Attacker {
            stream,
            frames: FrameDecoder::new(D::NETWORK, D::VERSION),
            sent: 0,
            addr,
            _dialect: PhantomData,
        }
    }

    /// Connects and completes the handshake.
    pub(crate) async fn open(to: SocketAddr) -> Self {
        let mut a = Self::connect(to).await;
        a.send(&version::<D>(D::VERSION, rand_nonce())).await;
        a.until_verack().await;
        a.send(&D::Message::verack()).await;
        a
    }

    pub(crate) async fn send(&mut self, msg: &D::Message) {
        self.write(&frame::<D>(msg)).await.expect("the listener reads");
    }

    /// Writes `bytes`; fails once the listener has closed the connection.
    pub(crate) async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes).await?;
        self.sent += bytes.len() as u64;
        Ok(())
    }

    /// The next message from the listener; `None` once it closed the connection.
    pub(crate) async fn recv(&mut self) -> Option<D::Message> {
        loop {
            if let Some(f) = self.frames.next_frame().expect("the listener's frames are sound") {
                return Some(f.decode(D::VERSION).expect("the listener's messages decode"));
            }
            let mut buf = [0u8; 4096];
            let read = tokio::time::timeout(WAIT, self.stream.read(&mut buf)).await;
            match read.expect("the listener answers or closes in time") {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.frames.extend_from_slice(&buf[..n]),
            }
        }
    }

    /// Reads up to the listener's verack; the commands before it.
    pub(crate) async fn until_verack(&mut self) -> Vec<Command> {
        let mut seen = Vec::new();
        loop {
            let msg = self.recv().await.expect("the listener answers our version");
            if msg.command() == "verack" {
                return seen;
            }
            seen.push(msg.command());
        }
    }

    /// Reads until the listener closes the connection; the commands it sent before.
    pub(crate) async fn until_closed(&mut self) -> Vec<Command> {
        let mut seen = Vec::new();
        while let Some(msg) = self.recv().await {
            seen.push(msg.command());
        }
        seen
    }

    /// Reads until the listener closed, and checks it said `reject` before where the dialect does.
    pub(crate) async fn rejected_then_closed(&mut self) {
        let seen = self.until_closed().await;
        let rejected = seen.iter().any(|c| c == "reject");
        assert_eq!(rejected, D::REJECTS, "reject sent before the close: {seen:?}");
    }

    /// The connection still serves: a ping is answered with its pong.
    pub(crate) async fn round_trip(&mut self) {
        let nonce = rand_nonce();
        self.send(&D::ping(nonce)).await;
        let pong = frame::<D>(&D::pong(nonce));
        loop {
            let msg = self.recv().await.expect("the listener is still serving us");
            if frame::<D>(&msg) == pong {
                return;
            }
        }
    }

    /// Closes our side and reads until the listener closes its own.
    pub(crate) async fn leave(mut self) {
        self.stream.shutdown().await.expect("shutdown");
        self.until_closed().await;
    }

    pub(crate) fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }
}

pub(crate) fn rand_nonce() -> u64 {
    coinpeer_runtime::random_nonce()
}
