//! The two dialects: their listener traits and how the runtime calls them.

/// Declares a listener trait: one async method per message, each doing nothing by default, plus the
/// hooks every dialect has (`on_version`, `on_read`, `on_write`, `on_unknown`).
macro_rules! listener_trait {
    (
        $(#[$doc:meta])*
        pub trait $name:ident for $dialect:ty, $msg:ty {
            payload { $( $(#[$pdoc:meta])* $pmethod:ident($pty:ty); )* }
            empty { $( $(#[$edoc:meta])* $emethod:ident; )* }
            block($bty:ty);
        }
    ) => {
        $(#[$doc])*
        #[async_trait::async_trait]
        pub trait $name: Send + Sync + 'static {
            /// The remote's version, during the handshake; `Err(reason)` refuses the peer.
            async fn on_version(
                &self,
                _peer: &$crate::Peer<$dialect>,
                _msg: &coinpeer_wire::messages::VersionMessage,
            ) -> Result<(), String> {
                Ok(())
            }
            /// Every read attempt after the handshake: its size, and the message or the error.
            async fn on_read(
                &self,
                _peer: &$crate::Peer<$dialect>,
                _bytes: usize,
                _msg: Option<&$msg>,
                _err: Option<&coinpeer_wire::DecodeError>,
            ) {
            }
            /// Every write attempt after the handshake: its size, the message, and the error if it failed.
            async fn on_write(&self, _peer: &$crate::Peer<$dialect>, _bytes: usize, _msg: &$msg, _err: Option<&str>) {}
            /// A message of a command this crate does not know.
            async fn on_unknown(&self, _peer: &$crate::Peer<$dialect>, _command: &coinpeer_wire::Command, _payload: &bytes::Bytes) {}
            /// A block, with the payload it was decoded from: shared, not copied, ready to store or relay.
            async fn on_block(&self, _peer: &$crate::Peer<$dialect>, _block: &$bty, _raw: &bytes::Bytes) {}
            $( $(#[$pdoc])* async fn $pmethod(&self, _peer: &$crate::Peer<$dialect>, _msg: &$pty) {} )*
            $( $(#[$edoc])* async fn $emethod(&self, _peer: &$crate::Peer<$dialect>) {} )*
        }

        #[async_trait::async_trait]
        impl $name for $crate::EventForwarder<$msg> {
            async fn on_read(
                &self,
                peer: &$crate::Peer<$dialect>,
                _bytes: usize,
                msg: Option<&$msg>,
                err: Option<&coinpeer_wire::DecodeError>,
            ) {
                self.forward_read(peer.id(), peer.addr(), msg, err).await
            }
        }
    };
}

pub(crate) mod bitcoin;
pub(crate) mod decred;
