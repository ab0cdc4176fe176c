//! Shared helpers: configured peer pairs over in-memory duplex streams or TCP, and a scripted raw remote.
#![allow(dead_code)]

use bytes::BytesMut;
use coinpeer_handshake::{HandshakeMessage, MessageKind};
use coinpeer_runtime::{CancellationToken, Dialect, Peer, PeerConfig};
use coinpeer_wire::messages::{NetAddress, ServiceFlags, VersionMessage};
use coinpeer_wire::{encode_frame, EncodeOptions, FrameDecoder, Network, WireMessage};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

pub fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A config with pings off, so that byte counts and message logs are exact unless a test turns them on, and
/// a nonce cache of its own: the two ends of a test pair live in one process, as two nodes would not.
pub fn quiet<D: Dialect>(network: Network) -> coinpeer_runtime::PeerConfigBuilder<D> {
    PeerConfig::<D>::builder(network)
        .ping_interval(None)
        .nonces(coinpeer_runtime::NonceCache::default())
}

/// Connects an outbound and an inbound peer over an in-memory duplex stream.
pub async fn pair<D: Dialect>(out: PeerConfig<D>, inb: PeerConfig<D>) -> (Peer<D>, Peer<D>) {
    let (a, b) = tokio::io::duplex(1 << 20);
    let (o, i) = tokio::join!(
        Peer::outbound(out, a, addr(1), CancellationToken::new()),
        Peer::inbound(inb, b, addr(2), CancellationToken::new()),
    );
    (o.expect("outbound handshake"), i.expect("inbound handshake"))
}

/// The far end of a connection, scripted byte by byte by a test.
pub struct RawRemote {
    pub stream: DuplexStream,
    pub network: Network,
    pub frames: FrameDecoder,
    pub version: u32,
}

impl RawRemote {
    pub fn new(stream: DuplexStream, network: Network, version: u32) -> Self {
        RawRemote {
            stream,
            frames: FrameDecoder::new(network.clone(), version),
            network,
            version,
        }
    }

    pub async fn send<M: WireMessage>(&mut self, msg: &M) {
        let mut buf = BytesMut::new();
        encode_frame(&self.network, msg, EncodeOptions::new(self.version), &mut buf).unwrap();
        self.stream.write_all(&buf).await.unwrap();
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// The next message, or `None` when the peer closed the connection.
    pub async fn recv<M: WireMessage>(&mut self) -> Option<M> {
        loop {
            if let Some(f) = self.frames.next_frame().unwrap() {
                return Some(f.decode(self.version).unwrap());
            }
            let mut buf = [0u8; 4096];
            let n = self.stream.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            self.frames.extend_from_slice(&buf[..n]);
        }
    }

    pub fn version_message(&self, nonce: u64) -> VersionMessage {
        VersionMessage {
            version: self.version,
            services: ServiceFlags::NETWORK,
            timestamp: 1_700_000_000,
            receiver: NetAddress::unspecified(ServiceFlags::NONE),
            sender: NetAddress::unspecified(ServiceFlags::NETWORK),
            nonce,
            user_agent: "/raw:1.0/".into(),
            start_height: 7,
            relay: true,
        }
    }
}

/// Runs the handshake of an outbound peer against a scripted remote speaking `version`: the remote answers our
/// version with its own and a verack, then reads up to our verack. Nothing else is read or sent.
pub async fn raw_peer<D: Dialect>(config: PeerConfig<D>, version: u32, buffer: usize) -> (Peer<D>, RawRemote) {
    raw_peer_cancellable(config, version, buffer, CancellationToken::new()).await
}

/// [`raw_peer`], with the peer ended by `cancel`.
pub async fn raw_peer_cancellable<D: Dialect>(
    config: PeerConfig<D>,
    version: u32,
    buffer: usize,
    cancel: CancellationToken,
) -> (Peer<D>, RawRemote) {
    let (ours, theirs) = tokio::io::duplex(buffer);
    let mut remote = RawRemote::new(theirs, config.network.clone(), version);
    let script = async {
        let first: D::Message = remote.recv().await.expect("our version");
        assert!(matches!(first.kind(), MessageKind::Version(_)), "{first:?}");
        let answer = D::Message::version(remote.version_message(0x5eed_5eed));
        remote.send(&answer).await;
        remote.send(&D::Message::verack()).await;
        loop {
            let m: D::Message = remote.recv().await.expect("our verack");
            if matches!(m.kind(), MessageKind::Verack) {
                break;
            }
        }
    };
    let (peer, ()) = tokio::join!(Peer::outbound(config, ours, addr(9), cancel), script);
    (peer.expect("handshake"), remote)
}

/// Lets the peer's tasks handle what was sent to them, without moving the clock.
pub async fn settle() {
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
}
