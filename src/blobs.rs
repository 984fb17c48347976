//! File contents, stored once per SHA-256 digest behind `object_store`: a local
//! folder by default, an S3-compatible bucket when configured.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    GetOptions, GetRange, GetResultPayload, ObjectStore, ObjectStoreExt as _, PutPayload,
};
use sha2::{Digest as _, Sha256};

use crate::settings::{BlobStoreSettings, Settings};

/// Where blobs live.
#[derive(Clone, Debug)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
}

pub mod references;

/// A stored blob: its digest and the key to read it back, with the content
/// and its store, so that a document counting the blob can store it again
/// when the store let go of it meanwhile ([`references::acquire`]).
#[derive(Clone)]
pub struct StoredBlob {
    pub sha256: String,
    pub key: String,
    pub size: usize,
    content: Bytes,
    store: BlobStore,
}

impl PartialEq for StoredBlob {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.size == other.size
    }
}

impl Eq for StoredBlob {}

/// Never the content: it is a candidate's file.
impl std::fmt::Debug for StoredBlob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredBlob")
            .field("key", &self.key)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl StoredBlob {
    /// Stores the content again unless it is there.
    async fn ensure(&self) -> anyhow::Result<()> {
        self.store.put(self.content.clone()).await.map(|_| ())
    }
}

impl BlobStore {
    /// The store the settings name.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        match &settings.blob_store {
            BlobStoreSettings::Local => Self::local(&settings.data_dir.join("blobs")),
            BlobStoreSettings::S3 {
                bucket,
                region,
                endpoint,
                access_key_id,
                secret_access_key,
            } => {
                // object_store's HTTP client uses rustls with the process's
                // default provider: ring, as everywhere else in this server.
                // An error only says a provider is installed already.
                let _ = rustls::crypto::ring::default_provider().install_default();
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_region(region);
                if let Some(endpoint) = endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                if let Some(key) = access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = secret_access_key {
                    builder = builder.with_secret_access_key(secret);
                }
                Ok(Self {
                    store: Arc::new(builder.build()?),
                })
            }
        }
    }

    /// Blobs under `dir` (created when missing).
    pub fn local(dir: &std::path::Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            store: Arc::new(LocalFileSystem::new_with_prefix(dir)?),
        })
    }

    /// Stores `content` unless a blob with the same digest is already there.
    pub async fn put(&self, content: Bytes) -> anyhow::Result<StoredBlob> {
        let sha256 = hex::encode(Sha256::digest(&content));
        let key = format!("sha256/{}/{}", &sha256[..2], sha256);
        let path = Path::from(key.as_str());
        let size = content.len();
        if self.store.head(&path).await.is_err() {
            self.store
                .put(&path, PutPayload::from(content.clone()))
                .await?;
        }
        Ok(StoredBlob {
            sha256,
            key,
            size,
            content,
            store: self.clone(),
        })
    }

    /// Deletes what is stored under `key`; a key with nothing under it is
    /// not an error, so that a deletion cut short can simply run again.
    /// A document's content goes only through [`references::sweep`], when
    /// no document uses it any more; an export's file when it expires.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The bytes of `range` (the whole content when `None`) stored under
    /// `key`, as a stream: an S3 object as its response body arrives, a
    /// local file in chunks of [`FILE_CHUNK`], so serving a file never
    /// holds it in memory. (object_store reads local files 8 KiB at a time,
    /// each read a trip to the blocking pool; larger reads keep a download
    /// near the disk's speed.)
    pub async fn stream(
        &self,
        key: &str,
        range: Option<std::ops::Range<u64>>,
    ) -> anyhow::Result<BoxStream<'static, object_store::Result<Bytes>>> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let result = self.store.get_opts(&Path::from(key), options).await?;
        Ok(match result.payload {
            GetResultPayload::File(file, _) => read_in_chunks(file, result.range),
            GetResultPayload::Stream(stream) => stream,
        })
    }

    /// The content stored under `key`.
    pub async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        Ok(self.store.get(&Path::from(key)).await?.bytes().await?)
    }

    /// Stores the content of `file`, from where it stands, under `key`: a
    /// key of the caller's own rather than a digest, for content that is
    /// deleted on its own schedule. The file is read and uploaded a part at
    /// a time (a multipart upload on S3, a file written in pieces in a
    /// folder), so at most [`UPLOAD_PART`] times [`UPLOADS_IN_FLIGHT`]
    /// bytes are in memory whatever its size. Returns the bytes stored.
    pub async fn put_file(&self, key: &str, file: tokio::fs::File) -> anyhow::Result<u64> {
        use tokio::io::AsyncReadExt as _;
        let upload = self.store.put_multipart(&Path::from(key)).await?;
        let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, UPLOAD_PART);
        let mut file = file;
        let mut total = 0u64;
        let copied: anyhow::Result<()> = async {
            loop {
                let mut buffer = Vec::with_capacity(FILE_CHUNK);
                let read = (&mut file)
                    .take(FILE_CHUNK as u64)
                    .read_to_end(&mut buffer)
                    .await?;
                if read == 0 {
                    return Ok(());
                }
                total += read as u64;
                writer.wait_for_capacity(UPLOADS_IN_FLIGHT).await?;
                writer.put(Bytes::from(buffer));
            }
        }
        .await;
        match copied {
            Ok(()) => {
                writer.finish().await?;
                Ok(total)
            }
            Err(e) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(error = %abort, "an unfinished upload could not be aborted");
                }
                Err(e)
            }
        }
    }
}

/// How much of a local file one read of [`BlobStore::stream`] takes.
pub const FILE_CHUNK: usize = 1024 * 1024;

/// The size of each part [`BlobStore::put_file`] uploads: S3's smallest
/// part but the last is 5 MiB.
pub const UPLOAD_PART: usize = 5 * 1024 * 1024;

/// Parts [`BlobStore::put_file`] uploads at once.
pub const UPLOADS_IN_FLIGHT: usize = 4;

/// `range` of `file`, read on the blocking pool one chunk at a time.
fn read_in_chunks(
    file: std::fs::File,
    range: std::ops::Range<u64>,
) -> BoxStream<'static, object_store::Result<Bytes>> {
    let failed = |source: Box<dyn std::error::Error + Send + Sync>| object_store::Error::Generic {
        store: "LocalFileSystem",
        source,
    };
    futures_util::stream::try_unfold(
        (file, range.start, range.end),
        move |(mut file, at, end)| async move {
            if at >= end {
                return Ok(None);
            }
            let len = usize::try_from(end - at)
                .unwrap_or(FILE_CHUNK)
                .min(FILE_CHUNK);
            // Allocated here, on the thread that sends and then frees it:
            // a buffer allocated on a blocking-pool thread and freed on
            // another goes back to the allocator lazily, and 16 downloads
            // then held about their whole files in freed memory.
            // Not zeroed first: `read_to_end` reads into the spare capacity,
            // which saves writing every byte of the chunk twice.
            let mut buffer = Vec::with_capacity(len);
            let read = tokio::task::spawn_blocking(move || {
                use std::io::{Read as _, Seek as _, SeekFrom};
                file.seek(SeekFrom::Start(at))?;
                let got = (&mut file).take(len as u64).read_to_end(&mut buffer)?;
                if got < len {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the file ended before the range it was asked for",
                    ));
                }
                Ok::<_, std::io::Error>((file, buffer))
            })
            .await
            .map_err(|e| failed(Box::new(e)))?;
            let (file, buffer) = read.map_err(|e| failed(Box::new(e)))?;
            Ok(Some((Bytes::from(buffer), (file, at + len as u64, end))))
        },
    )
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_each_content_once_under_its_digest() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::local(dir.path()).unwrap();
        let first = blobs.put(Bytes::from_static(b"hello")).await.unwrap();
        let again = blobs.put(Bytes::from_static(b"hello")).await.unwrap();
        assert_eq!(first, again);
        assert_eq!(
            first.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(
            blobs.get(&first.key).await.unwrap(),
            Bytes::from_static(b"hello")
        );
        assert!(blobs.get("sha256/00/missing").await.is_err());
    }

    #[tokio::test]
    async fn streams_a_range_of_a_local_file_in_chunks() {
        use futures_util::TryStreamExt as _;
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::local(dir.path()).unwrap();
        let content: Vec<u8> = (0..FILE_CHUNK * 2 + 10).map(|i| (i % 251) as u8).collect();
        let stored = blobs.put(Bytes::from(content.clone())).await.unwrap();
        let chunks: Vec<Bytes> = blobs
            .stream(&stored.key, None)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks.concat(), content);
        let part: Vec<Bytes> = blobs
            .stream(&stored.key, Some(5..FILE_CHUNK as u64 + 7))
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(part.concat(), &content[5..FILE_CHUNK + 7]);
    }
}
