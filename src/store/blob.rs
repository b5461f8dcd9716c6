//! Bytes in JSON, as `dump.json` and each value type's snapshot form write
//! them: a string when valid UTF-8, else `{"base64": "..."}`.

use std::borrow::Cow;

use base64::Engine;
use serde::{Deserialize, Serialize};

/// Bytes as JSON: a string when valid UTF-8, else `{"base64": "..."}`.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
pub(super) enum Blob<'a> {
    Text(Cow<'a, str>),
    Base64 { base64: Cow<'a, str> },
}

impl<'a> Blob<'a> {
    pub(super) fn of(bytes: &'a [u8]) -> Blob<'a> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Blob::Text(Cow::Borrowed(text)),
            Err(_) => {
                Blob::Base64 { base64: Cow::Owned(base64::engine::general_purpose::STANDARD.encode(bytes)) }
            }
        }
    }

    pub(super) fn into_bytes(self) -> Result<Vec<u8>, String> {
        match self {
            Blob::Text(text) => Ok(text.into_owned().into_bytes()),
            Blob::Base64 { base64 } => base64::engine::general_purpose::STANDARD
                .decode(base64.as_bytes())
                .map_err(|e| format!("bad base64: {e}")),
        }
    }
}

/// Appends `bytes` as a JSON [`Blob`].
pub fn write_blob(out: &mut Vec<u8>, bytes: &[u8]) {
    serde_json::to_writer(out, &Blob::of(bytes)).expect("writing to memory cannot fail");
}

/// Reads a JSON [`Blob`].
pub fn read_blob(json: &str) -> Result<Vec<u8>, String> {
    serde_json::from_str::<Blob>(json).map_err(|e| e.to_string())?.into_bytes()
}

/// Owned (field, value) pairs, as a hash's dump form reads back.
pub type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

/// Reads a JSON array of `[blob, blob]` pairs.
pub fn read_blob_pairs(json: &str) -> Result<Pairs, String> {
    let pairs: Vec<(Blob, Blob)> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    pairs.into_iter().map(|(f, v)| Ok((f.into_bytes()?, v.into_bytes()?))).collect()
}

/// Reads a JSON array of blobs (a set's members).
pub fn read_blob_list(json: &str) -> Result<Vec<Vec<u8>>, String> {
    let items: Vec<Blob> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    items.into_iter().map(Blob::into_bytes).collect()
}
