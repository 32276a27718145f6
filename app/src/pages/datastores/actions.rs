//! The Data stores page's management actions, created once by the page and
//! shared by its forms through the context.

use leptos::prelude::*;

use crate::datastores::{
    AddDataStoreFromBackup, AddDataStoreTarget, DeleteDataStoreTarget, SetDataStoreTargetEnabled,
    SetDataStoreTargetInterval, TestDataStoreConnection, TestDataStoreTarget,
};

/// The page's management actions, shared by its forms.
#[derive(Clone, Copy)]
pub struct TargetActions {
    pub add: ServerAction<AddDataStoreTarget>,
    pub from_backup: ServerAction<AddDataStoreFromBackup>,
    pub enabled: ServerAction<SetDataStoreTargetEnabled>,
    pub interval: ServerAction<SetDataStoreTargetInterval>,
    pub delete: ServerAction<DeleteDataStoreTarget>,
    pub test: ServerAction<TestDataStoreConnection>,
    pub test_saved: ServerAction<TestDataStoreTarget>,
}

impl Default for TargetActions {
    fn default() -> TargetActions {
        TargetActions::new()
    }
}

impl TargetActions {
    pub fn new() -> TargetActions {
        TargetActions {
            add: ServerAction::new(),
            from_backup: ServerAction::new(),
            enabled: ServerAction::new(),
            interval: ServerAction::new(),
            delete: ServerAction::new(),
            test: ServerAction::new(),
            test_saved: ServerAction::new(),
        }
    }

    /// Grows with every finished change, so lists keyed on it reload.
    pub fn changes(self) -> usize {
        self.add.version().get()
            + self.from_backup.version().get()
            + self.enabled.version().get()
            + self.interval.version().get()
            + self.delete.version().get()
    }
}

pub fn use_target_actions() -> TargetActions {
    use_context::<TargetActions>().unwrap_or_default()
}
