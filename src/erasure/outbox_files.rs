//! The `.eml` files the default outbox wrote for an erased candidate's
//! messages (`<data dir>/outbox/<created>-<message id>.eml`).

use std::collections::HashSet;
use std::path::Path;

/// Deletes the outbox files of `message_ids` (and any partial file left
/// by an interrupted write); how many it deleted. Failures are logged and
/// counted in the second number: the folder is the operator's, and a file
/// that could not go is reported, not hidden.
pub async fn delete(dir: &Path, message_ids: &HashSet<i64>) -> (u64, u64) {
    if message_ids.is_empty() {
        return (0, 0);
    }
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (0, 0),
        Err(error) => {
            tracing::error!(dir = %dir.display(), %error, "cannot read the outbox to erase files");
            return (0, 1);
        }
    };
    let (mut deleted, mut failed) = (0, 0);
    loop {
        let entry = match entries.next_entry().await {
            Ok(Some(entry)) => entry,
            Ok(None) => break,
            Err(error) => {
                tracing::error!(%error, "cannot read the outbox to erase files");
                failed += 1;
                break;
            }
        };
        let name = entry.file_name();
        let Some(id) = name.to_str().and_then(message_id) else {
            continue;
        };
        if !message_ids.contains(&id) {
            continue;
        }
        match tokio::fs::remove_file(entry.path()).await {
            Ok(()) => deleted += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                tracing::error!(file = %entry.path().display(), %error, "cannot erase an outbox file");
                failed += 1;
            }
        }
    }
    (deleted, failed)
}

/// The message id in an outbox file's name: `<created>-<id>.eml`, or
/// `.<created>-<id>.eml.partial` while it is written.
fn message_id(name: &str) -> Option<i64> {
    let name = name.strip_prefix('.').unwrap_or(name);
    let name = name.strip_suffix(".partial").unwrap_or(name);
    let stem = name.strip_suffix(".eml")?;
    let (_, id) = stem.rsplit_once('-')?;
    id.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_message_id_of_outbox_file_names() {
        assert_eq!(message_id("20261209T101500-42.eml"), Some(42));
        assert_eq!(message_id(".20261209T101500-42.eml.partial"), Some(42));
        assert_eq!(message_id("20261209T101500-42.txt"), None);
        assert_eq!(message_id("notes.eml"), None);
    }

    #[tokio::test]
    async fn deletes_only_the_files_of_the_messages_given() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "20261209T101500-1.eml",
            "20261209T101500-2.eml",
            ".20261209T101501-1.eml.partial",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let (deleted, failed) = delete(dir.path(), &HashSet::from([1])).await;
        assert_eq!((deleted, failed), (2, 0));
        assert!(dir.path().join("20261209T101500-2.eml").exists());
        assert_eq!(
            delete(&dir.path().join("missing"), &HashSet::from([1])).await,
            (0, 0)
        );
    }
}
