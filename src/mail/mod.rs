//! Outbound mail: subsidiaries' SMTP settings with sealed passwords, the
//! outbox every message is written to, and the dispatcher that delivers it.

pub mod compose;
pub mod dispatcher;
pub mod email_settings;
pub mod messages;
pub mod outbox;
pub mod secrets;
pub mod send;
pub mod smtp;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::blobs::BlobStore;
use crate::settings::Settings;

/// What the mail features share: the key for secrets, the blob store and the
/// dispatcher.
#[derive(Debug)]
pub struct Mail {
    pub cipher: secrets::Cipher,
    pub blobs: BlobStore,
    pub dispatcher: dispatcher::Dispatcher,
}

impl Mail {
    pub fn new(db: DatabaseConnection, settings: Arc<Settings>) -> anyhow::Result<Self> {
        let cipher = secrets::Cipher::new(&settings.secret_key);
        let blobs = BlobStore::local(&settings.data_dir.join("blobs"))?;
        let dispatcher = dispatcher::Dispatcher::new(db, blobs.clone(), cipher.clone(), settings);
        Ok(Self {
            cipher,
            blobs,
            dispatcher,
        })
    }
}
