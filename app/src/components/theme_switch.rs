use leptos::prelude::*;

use crate::theme::{SetTheme, Theme};

/// Three buttons (System, Light, Dark); each is its own form so the switch
/// also works as a plain form post when JavaScript is off.
#[component]
pub fn ThemeSwitch() -> impl IntoView {
    let theme = expect_context::<RwSignal<Theme>>();
    let set_theme = ServerAction::<SetTheme>::new();
    Effect::new(move |_| {
        if let Some(Ok(chosen)) = set_theme.value().get() {
            theme.set(chosen);
        }
    });

    view! {
        <div class="theme-switch" role="group" aria-label="Theme">
            {Theme::ALL
                .into_iter()
                .map(|choice| view! {
                    <ActionForm action=set_theme attr:class="theme-form">
                        <input type="hidden" name="theme" value=choice.as_str() />
                        <button
                            type="submit"
                            aria-pressed=move || (theme.get() == choice).to_string()
                        >
                            {choice.label()}
                        </button>
                    </ActionForm>
                })
                .collect_view()}
        </div>
    }
}
