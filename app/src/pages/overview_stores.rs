//! The Overview's tiles of the data stores admins added (readers of the
//! Data stores page only), each with its status and the reason, linking
//! to its page. Refreshed with the rest of the Overview.

use leptos::prelude::*;

use crate::auth::permissions::{Permission, allows};
use crate::auth::use_current_user;
use crate::datastores::get_data_store_tiles;
use crate::pages::datastores::TargetTiles;

#[component]
pub fn AddedDataStores(
    /// Bumped by the Overview's timer and its "Refresh now" button.
    refreshes: RwSignal<u64>,
) -> impl IntoView {
    let views = move || use_current_user().is_some_and(|u| allows(u.role, Permission::ViewDataStores));
    let targets = Resource::new(
        move || (refreshes.get(), views()),
        |(_, views)| async move { if views { get_data_store_tiles().await.ok() } else { None } },
    );
    view! {
        <Transition fallback=|| ()>
            {move || targets.get().flatten().map(|targets| view! { <TargetTiles targets /> })}
        </Transition>
    }
}
