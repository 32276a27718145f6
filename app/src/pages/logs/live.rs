//! The Live toggle (JavaScript only): an `EventSource` on
//! `/api/v1/logs/tail?q=…` puts each matching line, as it is committed,
//! above the results. Pause keeps what arrives meanwhile (up to
//! `KEEP` lines) and Resume shows it; the rate of arriving lines is shown.

use leptos::prelude::*;

use super::line::LineItem;
use crate::components::live_stream::{LiveCheckbox, LiveState};
use crate::logs::LogLine;

/// Lines kept on the page, and lines held while paused.
pub const KEEP: usize = 1000;
/// The rate is the lines of the last this many seconds, per second.
const RATE_WINDOW_MS: f64 = 10_000.0;

/// What the tail holds: the shown lines (newest first), those that came
/// while paused, and when recent lines arrived (for the rate).
#[derive(Clone, Default)]
pub struct Tail {
    pub shown: Vec<LogLine>,
    pub held: Vec<LogLine>,
    pub paused: bool,
    pub arrivals: std::collections::VecDeque<f64>,
    /// Lines dropped because more than `KEEP` were held.
    pub dropped: usize,
}

impl Tail {
    /// One line arrived at `now_ms`.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn push(&mut self, line: LogLine, now_ms: f64) {
        self.arrivals.push_back(now_ms);
        self.trim_arrivals(now_ms);
        if self.paused {
            self.held.insert(0, line);
            if self.held.len() > KEEP {
                self.held.truncate(KEEP);
                self.dropped += 1;
            }
        } else {
            self.shown.insert(0, line);
            self.shown.truncate(KEEP);
        }
    }

    pub fn resume(&mut self) {
        self.paused = false;
        let mut held = std::mem::take(&mut self.held);
        held.append(&mut self.shown);
        held.truncate(KEEP);
        self.shown = held;
        self.dropped = 0;
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn trim_arrivals(&mut self, now_ms: f64) {
        while self.arrivals.front().is_some_and(|t| now_ms - t > RATE_WINDOW_MS) {
            self.arrivals.pop_front();
        }
    }

    /// Lines per second over the last ten seconds.
    pub fn rate(&self, now_ms: f64) -> f64 {
        let recent = self.arrivals.iter().filter(|t| now_ms - **t <= RATE_WINDOW_MS).count();
        recent as f64 / (RATE_WINDOW_MS / 1000.0)
    }
}

#[component]
pub fn LiveTail(query: String, highlights: Vec<String>) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let state = RwSignal::new(LiveState::Off);
    let tail = RwSignal::new(Tail::default());
    let tick = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    stream::follow(query, state, tail, tick);
    #[cfg(not(feature = "hydrate"))]
    let _ = (query, tick);
    let status = move || {
        tick.track();
        let rate = tail.with_untracked(|tail| tail.rate(now_ms()));
        match state.get() {
            LiveState::Off => None,
            LiveState::Connecting => Some(("live-status muted", "Connecting…".to_string())),
            LiveState::Streaming => Some(("live-status live-on", format!("Live: {rate:.1} lines/s"))),
            LiveState::Unavailable => Some(("live-status error", "Live tail unavailable; retrying…".to_string())),
        }
    };
    let paused = move || tail.with(|tail| tail.paused);
    let held = move || {
        tail.with(|tail| {
            (tail.paused && !tail.held.is_empty()).then(|| {
                let dropped = if tail.dropped > 0 {
                    format!(" (the oldest {} dropped)", tail.dropped)
                } else {
                    String::new()
                };
                let n = tail.held.len();
                format!("{n} new {} waiting{dropped}", if n == 1 { "line" } else { "lines" })
            })
        })
    };
    let highlights = StoredValue::new(highlights);
    view! {
        <Show when=move || hydrated.get()>
            <div class="live-toggle logs-live">
                <LiveCheckbox state />
                <Show when=move || state.get() != LiveState::Off>
                    <button type="button" class="secondary" on:click=move |_| tail.update(|tail| {
                        if tail.paused { tail.resume() } else { tail.paused = true }
                    })>{move || if paused() { "Resume" } else { "Pause" }}</button>
                </Show>
                {move || status().map(|(class, text)| view! { <span class=class role="status" data-testid="live-status">{text}</span> })}
                {move || held().map(|text| view! { <span class="muted" data-testid="live-held">{text}</span> })}
            </div>
            <ol class="log-lines live-lines" data-testid="live-lines" aria-live="polite">
                <For each=move || tail.with(|tail| tail.shown.clone()) key=|line| line.id let:line>
                    <LineItem line highlights=highlights.get_value() is_marked=false />
                </For>
            </ol>
        </Show>
    }
}

fn now_ms() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64
}

#[cfg(feature = "hydrate")]
mod stream {
    use leptos::prelude::*;

    use super::{Tail, now_ms};
    use crate::components::live_stream::{self, LiveState};
    use crate::logs::LogLine;
    use crate::url::percent_encode;

    /// Puts the matching `line` events into `tail` while `state` is on;
    /// ticks `tick` every second for the rate.
    pub fn follow(query: String, state: RwSignal<LiveState>, tail: RwSignal<Tail>, tick: RwSignal<u64>) {
        let url = format!("/api/v1/logs/tail?q={}", percent_encode(&query));
        live_stream::follow(url, "line", state, move |line: LogLine| {
            tail.update(|tail| tail.push(line, now_ms()));
        });
        let ticker = set_interval_with_handle(
            move || {
                tick.try_update(|n| *n += 1);
            },
            std::time::Duration::from_secs(1),
        )
        .ok();
        on_cleanup(move || {
            if let Some(ticker) = ticker {
                ticker.clear();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: i64) -> LogLine {
        LogLine {
            id,
            ts: chrono::DateTime::UNIX_EPOCH,
            service: "s".into(),
            host: String::new(),
            severity: 9,
            severity_text: String::new(),
            body: "b".into(),
            attributes: serde_json::json!({}),
            trace_id: None,
            span_id: None,
        }
    }

    #[test]
    fn pause_holds_lines_and_resume_shows_them_newest_first() {
        let mut tail = Tail::default();
        tail.push(line(1), 0.0);
        tail.paused = true;
        tail.push(line(2), 1.0);
        tail.push(line(3), 2.0);
        assert_eq!(tail.shown.iter().map(|l| l.id).collect::<Vec<_>>(), vec![1]);
        tail.resume();
        assert_eq!(tail.shown.iter().map(|l| l.id).collect::<Vec<_>>(), vec![3, 2, 1]);
        assert!((tail.rate(2.0) - 0.3).abs() < 1e-9);
        assert_eq!(tail.rate(20_000.0), 0.0);
    }

    #[test]
    fn holding_is_bounded() {
        let mut tail = Tail {
            paused: true,
            ..Tail::default()
        };
        for id in 0..(KEEP as i64 + 5) {
            tail.push(line(id), 0.0);
        }
        assert_eq!(tail.held.len(), KEEP);
        assert_eq!(tail.dropped, 5);
        assert_eq!(tail.held.first().map(|l| l.id), Some(KEEP as i64 + 4));
    }
}
