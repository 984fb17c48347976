//! Outbound mail: subsidiaries' SMTP settings with sealed passwords, the
//! outbox every message is written to, and the dispatcher that delivers it.

pub mod bulk_copies;
pub mod compose;
pub mod dispatcher;
pub mod email_settings;
pub mod implicit_tls;
pub mod message_state;
pub mod messages;
pub mod outbox;
pub mod read_state;
pub mod secrets;
pub mod send;
pub mod smtp;
pub mod smtp_pool;
pub mod waiting;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::blobs::BlobStore;
use crate::instances::Instance;
use crate::settings::Settings;

/// What the mail features share: the key for secrets, the blob store and the
/// dispatcher.
#[derive(Debug)]
pub struct Mail {
    pub cipher: secrets::Cipher,
    pub blobs: BlobStore,
    pub dispatcher: Arc<dispatcher::Dispatcher>,
    /// This process's identity, named on every claim it makes.
    pub instance: Instance,
    /// Whether this instance delivers (`RECRUITMAIL_DISPATCHER`).
    dispatching: bool,
}

impl Mail {
    pub fn new(db: DatabaseConnection, settings: Arc<Settings>) -> anyhow::Result<Self> {
        let cipher = secrets::Cipher::new(&settings.secret_key);
        let blobs = BlobStore::from_settings(&settings)?;
        let dispatching = settings.dispatcher;
        let instance = Instance::new();
        let dispatcher = Arc::new(dispatcher::Dispatcher::new(
            db,
            blobs.clone(),
            cipher.clone(),
            settings,
            instance.clone(),
        ));
        Ok(Self {
            cipher,
            blobs,
            dispatcher,
            instance,
            dispatching,
        })
    }

    /// Starts a delivery right away instead of at the next second, after
    /// messages were queued to go now. Does nothing where delivery is off.
    pub fn nudge(&self) {
        if self.dispatching {
            let dispatcher = self.dispatcher.clone();
            tokio::spawn(async move {
                if let Err(e) = dispatcher.tick(chrono::Utc::now()).await {
                    tracing::error!(error = ?e, "the outbox could not be delivered");
                }
            });
        }
    }
}
