//! What every backup worker needs beyond the database pool (held by
//! `AppState`): where backups are stored and Opsdeck's own database.

use std::sync::Arc;

use crate::backups::ssr::connection::ConnectionUrl;
use crate::backups::ssr::store::BackupStore;

/// What every backup worker needs beyond the database pool.
#[derive(Clone, Debug)]
pub struct Backups {
    pub store: Arc<dyn BackupStore>,
    /// Opsdeck's own database (`DATABASE_URL`): the `is_self` target.
    pub own_url: ConnectionUrl,
}

impl Backups {
    pub fn new(store: Arc<dyn BackupStore>, own_url: ConnectionUrl) -> Self {
        Self { store, own_url }
    }
}
