//! Where backup files live: one small interface ([`BackupStore`]) and its
//! local-directory implementation ([`LocalDirStore`], `OPSDECK_BACKUP_DIR`).
//! An object store can be added later by implementing the trait; nothing
//! else names a path.
//!
//! A new file is written as `<key>.partial` and renamed to `<key>` only by
//! [`PendingFile::commit`]; a pending file dropped without commit (failure,
//! kill, cancelled task) removes its partial file, so no half-written backup
//! is ever visible under its key.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::SystemTime;

use async_trait::async_trait;
use tokio::io::{AsyncRead, AsyncWrite};

pub const PARTIAL_SUFFIX: &str = ".partial";

/// A file being written; invisible under its key until committed.
#[async_trait]
pub trait PendingFile: AsyncWrite + Send + Unpin {
    /// Flushes, syncs and publishes the file under its key.
    async fn commit(self: Box<Self>) -> io::Result<()>;
}

#[async_trait]
pub trait BackupStore: Send + Sync + std::fmt::Debug {
    /// Starts a new file under `key` (`<target>/<file>.dump`).
    async fn create(&self, key: &str) -> io::Result<Box<dyn PendingFile>>;
    /// Reads a committed file.
    async fn open(&self, key: &str) -> io::Result<Box<dyn AsyncRead + Send + Unpin>>;
    /// Size in bytes of a committed file.
    async fn size(&self, key: &str) -> io::Result<u64>;
    /// Removes a committed file; a missing one is not an error.
    async fn remove(&self, key: &str) -> io::Result<()>;
    /// A local file `pg_restore` can read (an object store would fetch it first).
    async fn path(&self, key: &str) -> io::Result<PathBuf>;
    /// Removes partial files last written before `older_than` (a moment
    /// before the caller listed the running backups), except those
    /// `keep(run_id)` says belong to a running backup. Returns how many went.
    async fn remove_partials(&self, keep: &(dyn Fn(i64) -> bool + Sync), older_than: SystemTime) -> io::Result<usize>;
}

/// The run id a key carries (`…-run<ID>.dump`), for the partial sweep.
pub fn run_id_of(key: &str) -> Option<i64> {
    let name = key.rsplit('/').next()?;
    let name = name.strip_suffix(PARTIAL_SUFFIX).unwrap_or(name);
    let stem = name.strip_suffix(".dump")?;
    stem.rsplit_once("-run")?.1.parse().ok()
}

/// Files under one local directory.
#[derive(Clone, Debug)]
pub struct LocalDirStore {
    root: PathBuf,
}

impl LocalDirStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of `key`, refusing keys that would leave the directory.
    fn resolve(&self, key: &str) -> io::Result<PathBuf> {
        let safe = !key.is_empty()
            && !key.starts_with('/')
            && key
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'));
        if !safe {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "invalid backup key"));
        }
        Ok(self.root.join(key))
    }
}

#[async_trait]
impl BackupStore for LocalDirStore {
    async fn create(&self, key: &str) -> io::Result<Box<dyn PendingFile>> {
        let path = self.resolve(key)?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let partial = PathBuf::from(format!("{}{PARTIAL_SUFFIX}", path.display()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&partial)
            .await?;
        Ok(Box::new(LocalPending {
            file,
            partial,
            path,
            committed: false,
        }))
    }

    async fn open(&self, key: &str) -> io::Result<Box<dyn AsyncRead + Send + Unpin>> {
        let file = tokio::fs::File::open(self.resolve(key)?).await?;
        Ok(Box::new(file))
    }

    async fn size(&self, key: &str) -> io::Result<u64> {
        Ok(tokio::fs::metadata(self.resolve(key)?).await?.len())
    }

    async fn remove(&self, key: &str) -> io::Result<()> {
        match tokio::fs::remove_file(self.resolve(key)?).await {
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    async fn path(&self, key: &str) -> io::Result<PathBuf> {
        self.resolve(key)
    }

    async fn remove_partials(&self, keep: &(dyn Fn(i64) -> bool + Sync), older_than: SystemTime) -> io::Result<usize> {
        let mut removed = 0;
        let mut folders = vec![self.root.clone()];
        while let Some(folder) = folders.pop() {
            let mut entries = match tokio::fs::read_dir(&folder).await {
                Ok(entries) => entries,
                Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
                Err(error) => return Err(error),
            };
            while let Some(entry) = entries.next_entry().await? {
                let kind = entry.file_type().await?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if kind.is_dir() {
                    folders.push(entry.path());
                } else if name.ends_with(PARTIAL_SUFFIX) && !run_id_of(&name).is_some_and(keep) {
                    let written = entry.metadata().await?.modified()?;
                    if written < older_than {
                        tokio::fs::remove_file(entry.path()).await?;
                        removed += 1;
                    }
                }
            }
        }
        Ok(removed)
    }
}

struct LocalPending {
    file: tokio::fs::File,
    partial: PathBuf,
    path: PathBuf,
    committed: bool,
}

#[async_trait]
impl PendingFile for LocalPending {
    async fn commit(mut self: Box<Self>) -> io::Result<()> {
        use tokio::io::AsyncWriteExt;
        self.file.flush().await?;
        self.file.sync_all().await?;
        tokio::fs::rename(&self.partial, &self.path).await?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for LocalPending {
    fn drop(&mut self) {
        if !self.committed {
            // Synchronous on purpose: this also runs when the task is cancelled.
            if let Err(error) = std::fs::remove_file(&self.partial)
                && error.kind() != io::ErrorKind::NotFound
            {
                tracing::warn!(%error, path = %self.partial.display(), "could not remove a partial backup file");
            }
        }
    }
}

impl AsyncWrite for LocalPending {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.file).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.file).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.file).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    fn temp_store() -> LocalDirStore {
        let dir = std::env::temp_dir().join(format!("opsdeck-store-test-{}", rand::random::<u64>()));
        LocalDirStore::new(dir)
    }

    #[test]
    fn run_ids_come_from_the_file_name() {
        assert_eq!(run_id_of("3/orders-20261124T101500Z-run42.dump"), Some(42));
        assert_eq!(run_id_of("orders-run7.dump.partial"), Some(7));
        assert_eq!(run_id_of("notes.txt"), None);
    }

    #[test]
    fn keys_cannot_leave_the_directory() {
        let store = LocalDirStore::new("/srv/backups");
        for bad in ["../etc/passwd", "/etc/passwd", "a/../../b", "", "a//b"] {
            assert!(store.resolve(bad).is_err(), "{bad}");
        }
        assert_eq!(
            store.resolve("1/x-run1.dump").expect("ok"),
            PathBuf::from("/srv/backups/1/x-run1.dump")
        );
    }

    #[tokio::test]
    async fn a_file_appears_only_when_committed() {
        let store = temp_store();
        let mut pending = store.create("1/a-run1.dump").await.expect("create");
        pending.write_all(b"hello").await.expect("write");
        assert!(store.open("1/a-run1.dump").await.is_err(), "invisible before commit");
        pending.commit().await.expect("commit");
        let mut text = String::new();
        store
            .open("1/a-run1.dump")
            .await
            .expect("open")
            .read_to_string(&mut text)
            .await
            .expect("read");
        assert_eq!(text, "hello");
        assert_eq!(store.size("1/a-run1.dump").await.expect("size"), 5);
        store.remove("1/a-run1.dump").await.expect("remove");
        store.remove("1/a-run1.dump").await.expect("removing twice is fine");
        let _ = std::fs::remove_dir_all(store.root());
    }

    #[tokio::test]
    async fn a_dropped_file_leaves_nothing_behind() {
        let store = temp_store();
        let mut pending = store.create("1/b-run2.dump").await.expect("create");
        pending.write_all(b"half").await.expect("write");
        drop(pending);
        let left: Vec<_> = std::fs::read_dir(store.root().join("1")).expect("dir").collect();
        assert!(left.is_empty(), "no partial file left: {left:?}");
        let _ = std::fs::remove_dir_all(store.root());
    }

    #[tokio::test]
    async fn stray_partials_are_swept_unless_still_running() {
        let store = temp_store();
        std::fs::create_dir_all(store.root().join("1")).expect("dir");
        std::fs::write(store.root().join("1/x-run5.dump.partial"), b"x").expect("write");
        std::fs::write(store.root().join("1/x-run6.dump.partial"), b"x").expect("write");
        std::fs::write(store.root().join("1/x-run7.dump"), b"x").expect("write");
        let before = SystemTime::now() - std::time::Duration::from_secs(1);
        assert_eq!(
            store.remove_partials(&|_| false, before).await.expect("sweep"),
            0,
            "too new"
        );
        let removed = store
            .remove_partials(&|id| id == 6, SystemTime::now() + std::time::Duration::from_secs(1))
            .await
            .expect("sweep");
        assert_eq!(removed, 1);
        assert!(!store.root().join("1/x-run5.dump.partial").exists());
        assert!(store.root().join("1/x-run6.dump.partial").exists());
        assert!(store.root().join("1/x-run7.dump").exists());
        let _ = std::fs::remove_dir_all(store.root());
    }
}
