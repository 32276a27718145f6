//! SLOs as YAML files, beside the alert rules' (`alerts/ssr/files.rs`):
//! `kind: opsdeck/slos`, `version: 1`, `slos:` sorted by name, with
//! OpenSLO's field names where they fit (`indicator`, `objective.
//! targetPercent`, `timeWindow.duration` / `isRolling`, `budgetingMethod:
//! Occurrences`). Import creates and updates SLOs matched by name, all of
//! the file or nothing, each change audited; it never deletes one.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::slo::{SloDraft, SloKind, SloWindow};

pub const KIND: &str = "opsdeck/slos";
pub const VERSION: u32 = 1;
/// The largest file read.
pub const MAX_BYTES: usize = 1024 * 1024;

const HEADER: &str = "# Opsdeck SLOs. Edit, then import on /slos/files. Import creates and updates\n\
                      # SLOs matched by name; it never deletes one.\n";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    kind: String,
    version: u32,
    #[serde(default)]
    slos: Vec<FileSlo>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FileSlo {
    name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    description: String,
    service: String,
    indicator: Indicator,
    objective: Objective,
    time_window: TimeWindow,
    /// Only `Occurrences` (counts-based) is computed.
    #[serde(default = "occurrences")]
    budgeting_method: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Indicator {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    endpoint: Option<String>,
    kind: SloKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    good_statuses: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    threshold_ms: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Objective {
    target_percent: f64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TimeWindow {
    /// `7d`, `28d`, `30d` (rolling) or `1M` (a calendar month).
    duration: String,
    is_rolling: bool,
}

fn occurrences() -> String {
    "Occurrences".to_string()
}

impl From<&SloDraft> for FileSlo {
    fn from(slo: &SloDraft) -> Self {
        let (duration, is_rolling) = match slo.window {
            SloWindow::Month => ("1M".to_string(), false),
            rolling => (rolling.as_str().to_string(), true),
        };
        FileSlo {
            name: slo.name.clone(),
            description: slo.description.clone(),
            service: slo.service.clone(),
            indicator: Indicator {
                endpoint: slo.endpoint.clone(),
                kind: slo.kind,
                good_statuses: slo.good_statuses.clone(),
                threshold_ms: slo.threshold_ms,
            },
            objective: Objective {
                target_percent: slo.objective,
            },
            time_window: TimeWindow { duration, is_rolling },
            budgeting_method: occurrences(),
        }
    }
}

impl FileSlo {
    /// The draft, checked as the editor checks one; the message names the field.
    fn draft(self) -> Result<SloDraft, String> {
        let window = match (self.time_window.duration.as_str(), self.time_window.is_rolling) {
            ("1M", false) => SloWindow::Month,
            (days, true) => SloWindow::parse(days)
                .filter(|w| *w != SloWindow::Month)
                .ok_or_else(|| format!("timeWindow.duration: {days:?} is not 7d, 28d or 30d"))?,
            (other, false) => return Err(format!("timeWindow: a calendar window is duration 1M, not {other:?}")),
        };
        if self.budgeting_method != "Occurrences" {
            return Err(format!(
                "budgetingMethod: only Occurrences is computed, not {:?}",
                self.budgeting_method
            ));
        }
        let draft = SloDraft {
            name: self.name,
            description: self.description,
            service: self.service,
            endpoint: self.indicator.endpoint,
            kind: self.indicator.kind,
            good_statuses: self.indicator.good_statuses,
            threshold_ms: self.indicator.threshold_ms,
            objective: self.objective.target_percent,
            window,
        };
        draft.validate().map_err(|e| e.to_string())?;
        Ok(draft)
    }
}

/// The YAML document of `slos`, sorted by name.
pub fn render(slos: &[SloDraft]) -> Result<String, AppError> {
    let mut sorted: Vec<&SloDraft> = slos.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let document = Document {
        kind: KIND.into(),
        version: VERSION,
        slos: sorted.into_iter().map(FileSlo::from).collect(),
    };
    let yaml = serde_norway::to_string(&document).map_err(|e| AppError::internal("slos: render yaml", e))?;
    Ok(format!("{HEADER}{yaml}"))
}

/// The file's SLOs, each checked; every problem found, each naming its place.
pub fn parse(text: &str) -> Result<Vec<SloDraft>, Vec<String>> {
    if text.len() > MAX_BYTES {
        return Err(vec![format!("The file is larger than {} KiB", MAX_BYTES / 1024)]);
    }
    if text.trim().is_empty() {
        return Err(vec!["The file is empty".into()]);
    }
    let document: Document = serde_norway::from_str(text).map_err(|e| {
        let shown: String = e.to_string().chars().filter(|c| !c.is_control()).take(300).collect();
        vec![shown]
    })?;
    if document.kind != KIND || document.version != VERSION {
        return Err(vec![format!("Expected kind {KIND} and version {VERSION}")]);
    }
    let mut problems = Vec::new();
    let mut drafts: Vec<SloDraft> = Vec::new();
    for (index, slo) in document.slos.into_iter().enumerate() {
        let name: String = slo.name.chars().take(120).collect();
        match slo.draft() {
            Ok(draft) if drafts.iter().any(|d| d.name == draft.name) => {
                problems.push(format!("slos[{index}] ({name}): another SLO has this name"))
            }
            Ok(draft) => drafts.push(draft),
            Err(message) => problems.push(format!("slos[{index}] ({name}): {message}")),
        }
    }
    if problems.is_empty() { Ok(drafts) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slo(name: &str, kind: SloKind, window: SloWindow) -> SloDraft {
        SloDraft {
            name: name.into(),
            description: "What \"good\" means </textarea>".into(),
            service: "checkout".into(),
            endpoint: (kind == SloKind::Latency).then(|| "/pay".to_string()),
            kind,
            good_statuses: (kind == SloKind::Availability).then(|| "200-399, 404".to_string()),
            threshold_ms: (kind == SloKind::Latency).then_some(250.5),
            objective: 99.95,
            window,
        }
    }

    #[test]
    fn a_file_reads_back_as_the_slos_it_was_written_from() {
        let slos = vec![
            slo("b latency", SloKind::Latency, SloWindow::Month),
            slo("a availability", SloKind::Availability, SloWindow::Rolling28),
        ];
        let yaml = render(&slos).expect("rendered");
        for field in [
            "targetPercent: 99.95",
            "isRolling: false",
            "duration: 1M",
            "budgetingMethod: Occurrences",
        ] {
            assert!(yaml.contains(field), "{field} in {yaml}");
        }
        let read = parse(&yaml).expect("parsed");
        assert_eq!(read, vec![slos[1].clone(), slos[0].clone()], "sorted by name");
    }

    #[test]
    fn every_wrong_slo_is_named_with_its_problem() {
        let yaml = "kind: opsdeck/slos\nversion: 1\nslos:\n\
            - name: a\n  service: s\n  indicator: {kind: availability}\n  objective: {targetPercent: 100}\n  timeWindow: {duration: 30d, isRolling: true}\n\
            - name: b\n  service: s\n  indicator: {kind: latency, thresholdMs: 7200000}\n  objective: {targetPercent: 99}\n  timeWindow: {duration: 90d, isRolling: true}\n\
            - name: c\n  service: s\n  indicator: {kind: latency, thresholdMs: 7200000}\n  objective: {targetPercent: 99}\n  timeWindow: {duration: 7d, isRolling: true}\n";
        let problems = parse(yaml).expect_err("refused");
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("slos[0] (a): objective"), "{problems:?}");
        assert!(problems[1].contains("90d"), "{problems:?}");
        assert!(problems[2].contains("threshold_ms"), "{problems:?}");
        for bad in [
            "",
            "kind: opsdeck/alert-rules\nversion: 1\n",
            "{{{",
            "kind: opsdeck/slos\nversion: 1\nextra: 1\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
