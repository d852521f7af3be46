//! What kiosks say to each other besides samod's sync messages: one manifest each way per
//! short connection, as a length-prefixed JSON frame. A connection's first byte says what
//! it carries: [`MANIFEST`] or [`SYNC`] (samod's messages, length-delimited, from then on).

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

use crate::store::SignedHeads;

/// First byte of a connection that exchanges manifests.
pub const MANIFEST: u8 = b'M';
/// First byte of a connection that carries samod's sync protocol.
pub const SYNC: u8 = b'S';
/// The largest frame taken from a peer: a manifest lists a few dozen journals.
pub const MAX_FRAME: usize = 1024 * 1024;

/// What a kiosk holds, as it tells its peers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Who says so (the certificate says it too; the certificate is what counts).
    pub kiosk_id: String,
    /// Where it listens for its peers (`host:port`), so the one that keeps the sync
    /// connection can dial back.
    pub listen: Vec<String>,
    /// The catalog document's id, if the kiosk knows it.
    pub catalog_doc_id: Option<String>,
    /// Its own journals and those it holds for others.
    pub journals: Vec<JournalEntry>,
}

/// One journal in a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Document id.
    pub doc_id: String,
    /// The kiosk that writes it.
    pub owner: String,
    /// Day it covers.
    pub day: String,
    /// Closed to new signups.
    pub closed: bool,
    /// Heads of the copy the teller holds (hex).
    pub heads: Vec<String>,
    /// The server's signed acknowledgement the teller holds, if any.
    pub ack: Option<SignedHeads>,
    /// The owner's signature on heads of it: made now by the owner for its own journal,
    /// the latest one seen for a journal held for another (absent from older kiosks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_signed: Option<SignedHeads>,
}

/// A frame problem.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The connection failed.
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    /// The frame is larger than [`MAX_FRAME`].
    #[error("a frame of {0} bytes is too large")]
    TooLarge(usize),
    /// The frame is not a manifest.
    #[error("not a manifest: {0}")]
    Json(#[from] serde_json::Error),
}

/// Write `value` as one frame; the bytes written.
pub async fn write_frame<W: AsyncWrite + Unpin, T: Serialize>(
    w: &mut W,
    value: &T,
) -> Result<usize, WireError> {
    let bytes = serde_json::to_vec(value)?;
    if bytes.len() > MAX_FRAME {
        return Err(WireError::TooLarge(bytes.len()));
    }
    w.write_all(&(bytes.len() as u32).to_be_bytes()).await?;
    w.write_all(&bytes).await?;
    w.flush().await?;
    Ok(4 + bytes.len())
}

/// Read one frame, refusing one larger than [`MAX_FRAME`] before reading it.
pub async fn read_frame<R: AsyncRead + Unpin, T: for<'de> Deserialize<'de>>(
    r: &mut R,
) -> Result<T, WireError> {
    read_frame_counted(r).await.map(|(v, _)| v)
}

/// [`read_frame`], with the bytes read.
pub async fn read_frame_counted<R: AsyncRead + Unpin, T: for<'de> Deserialize<'de>>(
    r: &mut R,
) -> Result<(T, usize), WireError> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(WireError::TooLarge(len));
    }
    let mut bytes = vec![0u8; len];
    r.read_exact(&mut bytes).await?;
    Ok((serde_json::from_slice(&bytes)?, 4 + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest goes through a frame whole; a length over the cap is refused before any
    /// of it is read; a frame that is not a manifest is an error, not a panic.
    #[tokio::test]
    async fn frames_carry_manifests_and_refuse_what_is_not_one() {
        let m = Manifest {
            kiosk_id: "telt-1".into(),
            listen: vec!["10.0.0.2:7420".into()],
            catalog_doc_id: None,
            journals: vec![JournalEntry {
                doc_id: "d".into(),
                owner: "telt-1".into(),
                day: "2026-12-04".into(),
                closed: false,
                heads: vec!["ab".into()],
                ack: None,
                owner_signed: Some(SignedHeads {
                    heads: vec!["ab".into()],
                    signature: "cd".into(),
                }),
            }],
        };
        let mut buf = Vec::new();
        write_frame(&mut buf, &m).await.expect("write");
        let back: Manifest = read_frame(&mut buf.as_slice()).await.expect("read");
        assert_eq!(back, m);
        let huge = ((MAX_FRAME + 1) as u32).to_be_bytes();
        let err = read_frame::<_, Manifest>(&mut huge.as_slice()).await;
        assert!(matches!(err, Err(WireError::TooLarge(_))), "{err:?}");
        let mut junk = 3u32.to_be_bytes().to_vec();
        junk.extend_from_slice(b"abc");
        let err = read_frame::<_, Manifest>(&mut junk.as_slice()).await;
        assert!(matches!(err, Err(WireError::Json(_))), "{err:?}");
    }
}
