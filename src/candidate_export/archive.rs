//! Writing a ZIP archive (PKWARE APPNOTE 6.3) to a file a chunk at a time,
//! however large its entries: the `zip` crate writes synchronously, so it
//! runs on the blocking pool and is fed through a channel of a few chunks.
//! The archive's memory is those chunks, whatever the size of the files.
//!
//! Entries are stored, not compressed: documents (PDF, DOCX, images) are
//! compressed already, and every ZIP reader opens stored entries. An entry
//! that may reach 4 GiB is written with ZIP64 extensions; the archive's
//! directory switches to ZIP64 by itself when the archive grows past the
//! classic format's limits.

use std::io::Write as _;

use bytes::Bytes;
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use tokio::sync::mpsc;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

/// Chunks waiting for the writer, at most.
const QUEUED_CHUNKS: usize = 4;

/// Entries at or above this many bytes need ZIP64 (APPNOTE 4.5.3).
const ZIP64_FROM: u64 = 0xFFFF_FFFF;

enum Step {
    Start { name: String, large: bool },
    Write(Bytes),
}

/// An archive being written to a file.
pub struct ArchiveWriter {
    steps: mpsc::Sender<Step>,
    /// `None` once its error was taken.
    task: Option<tokio::task::JoinHandle<anyhow::Result<std::fs::File>>>,
}

impl ArchiveWriter {
    /// Starts an archive in `file` (empty, opened for writing); every entry
    /// is dated `modified`.
    pub fn create(file: std::fs::File, modified: chrono::NaiveDateTime) -> Self {
        let (steps, mut received) = mpsc::channel::<Step>(QUEUED_CHUNKS);
        let task = tokio::task::spawn_blocking(move || {
            let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
            let options = SimpleFileOptions::default()
                .compression_method(CompressionMethod::Stored)
                .last_modified_time(zip_time(modified));
            while let Some(step) = received.blocking_recv() {
                match step {
                    Step::Start { name, large } => {
                        zip.start_file(name, options.large_file(large))?;
                    }
                    Step::Write(chunk) => zip.write_all(&chunk)?,
                }
            }
            let file = zip.finish()?.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            Ok(file)
        });
        Self {
            steps,
            task: Some(task),
        }
    }

    /// Adds an entry holding `content`.
    pub async fn add(&mut self, name: String, content: Bytes) -> anyhow::Result<()> {
        self.start(name, content.len() as u64).await?;
        self.send(Step::Write(content)).await
    }

    /// Adds an entry of about `size` bytes (it decides on ZIP64) from
    /// `chunks`, one chunk in memory at a time.
    pub async fn add_stream<E>(
        &mut self,
        name: String,
        size: u64,
        mut chunks: BoxStream<'static, Result<Bytes, E>>,
    ) -> anyhow::Result<()>
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        self.start(name, size).await?;
        while let Some(chunk) = chunks.next().await {
            self.send(Step::Write(chunk?)).await?;
        }
        Ok(())
    }

    /// Writes the archive's central directory; the file, written through.
    pub async fn finish(self) -> anyhow::Result<std::fs::File> {
        let Self { steps, task } = self;
        drop(steps);
        match task {
            Some(task) => task.await?,
            None => Err(anyhow::anyhow!("the archive writer has stopped")),
        }
    }

    async fn start(&mut self, name: String, size: u64) -> anyhow::Result<()> {
        self.send(Step::Start {
            name,
            large: size >= ZIP64_FROM,
        })
        .await
    }

    /// Hands a step to the writer; when the writer has stopped, its error.
    async fn send(&mut self, step: Step) -> anyhow::Result<()> {
        if self.steps.send(step).await.is_ok() {
            return Ok(());
        }
        match self.task.take() {
            Some(task) => match task.await? {
                Err(e) => Err(e),
                Ok(_) => Err(anyhow::anyhow!("the archive writer stopped early")),
            },
            None => Err(anyhow::anyhow!("the archive writer has stopped")),
        }
    }
}

/// `at` as a ZIP (MS-DOS) time, which covers 1980 to 2107; the nearest end
/// outside.
fn zip_time(at: chrono::NaiveDateTime) -> zip::DateTime {
    use chrono::{Datelike as _, Timelike as _};
    let year = u16::try_from(at.year().clamp(1980, 2107)).unwrap_or(1980);
    zip::DateTime::from_date_and_time(
        year,
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second().min(59) as u8,
    )
    .unwrap_or_default()
}

/// `name` as safe for one path segment of an archive entry, on every
/// system it may be unpacked on: no separators, no characters Windows
/// refuses, no control characters, no leading dots, at most 100
/// characters; `file` when nothing is left.
pub fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned
        .trim()
        .trim_start_matches('.')
        .trim_end_matches(['.', ' ']);
    let short: String = trimmed.chars().take(100).collect();
    if short.is_empty() {
        "file".to_owned()
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_safe_segment() {
        assert_eq!(safe_name("Lebenslauf Müller.pdf"), "Lebenslauf Müller.pdf");
        assert_eq!(safe_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(safe_name("a\\b:c*?.txt"), "a_b_c__.txt");
        assert_eq!(safe_name("..."), "file");
        assert_eq!(safe_name(" cv.pdf. "), "cv.pdf");
        assert_eq!(safe_name("x\u{0}\ny"), "x__y");
        assert_eq!(safe_name(&"é".repeat(300)).chars().count(), 100);
    }

    #[tokio::test]
    async fn entries_stream_into_a_zip_that_reads_back() {
        let file = tempfile::tempfile().unwrap();
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 9)
            .unwrap()
            .and_hms_opt(10, 30, 0)
            .unwrap();
        let mut writer = ArchiveWriter::create(file, at);
        writer
            .add("a.json".into(), Bytes::from_static(b"{}"))
            .await
            .unwrap();
        let chunks: Vec<Result<Bytes, std::io::Error>> = (0..5)
            .map(|i| Ok(Bytes::from(vec![i as u8; 1000])))
            .collect();
        writer
            .add_stream(
                "dir/b.bin".into(),
                5000,
                futures_util::stream::iter(chunks).boxed(),
            )
            .await
            .unwrap();
        let file = writer.finish().await.unwrap();
        let mut zip = zip::ZipArchive::new(file).unwrap();
        assert_eq!(zip.len(), 2);
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut zip.by_name("dir/b.bin").unwrap(), &mut b).unwrap();
        assert_eq!(b.len(), 5000);
        assert_eq!(&b[1000..1003], &[1, 1, 1]);
    }

    #[tokio::test]
    async fn a_failing_source_fails_the_entry() {
        let mut writer = ArchiveWriter::create(tempfile::tempfile().unwrap(), Default::default());
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"abc")),
            Err(std::io::Error::other("gone")),
        ];
        let failed = writer
            .add_stream("x".into(), 6, futures_util::stream::iter(chunks).boxed())
            .await;
        assert!(failed.unwrap_err().to_string().contains("gone"));
    }
}
