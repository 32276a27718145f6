//! The Overview tiles' thresholds: the global ones and a service's own,
//! written one service a line (`checkout degraded_p95=400 down_errors=10`).

use serde::{Deserialize, Serialize};

use super::parse::{percent, whole};

/// When a tile looks degraded or down.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TileThresholds {
    pub degraded_p95_ms: f64,
    /// `None`: never down for its P95 alone.
    pub down_p95_ms: Option<f64>,
    /// Errors per request (0–1).
    pub degraded_error_rate: f64,
    pub down_error_rate: f64,
}

impl Default for TileThresholds {
    fn default() -> Self {
        Self {
            degraded_p95_ms: 1000.0,
            down_p95_ms: None,
            degraded_error_rate: 0.05,
            down_error_rate: 0.20,
        }
    }
}

impl TileThresholds {
    /// "Degraded at 5 % errors or a P95 of 1000 ms; down at 20 % errors."
    pub fn describe(&self) -> String {
        let down_p95 = self
            .down_p95_ms
            .map(|ms| format!(" or a P95 of {ms:.0} ms"))
            .unwrap_or_default();
        format!(
            "Degraded at an error rate of {} % or a P95 of {:.0} ms; down at an error rate of {} %{down_p95}.",
            self.degraded_error_rate * 100.0,
            self.degraded_p95_ms,
            self.down_error_rate * 100.0,
        )
    }

    /// These thresholds with `service`'s own where it has them.
    pub fn with(mut self, own: &ServiceThresholds) -> Self {
        self.degraded_p95_ms = own.degraded_p95_ms.unwrap_or(self.degraded_p95_ms);
        self.down_p95_ms = own.down_p95_ms.or(self.down_p95_ms);
        self.degraded_error_rate = own.degraded_error_rate.unwrap_or(self.degraded_error_rate);
        self.down_error_rate = own.down_error_rate.unwrap_or(self.down_error_rate);
        self
    }
}

/// One service's own thresholds; what it leaves out comes from the global ones.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceThresholds {
    pub service: String,
    pub degraded_p95_ms: Option<f64>,
    pub down_p95_ms: Option<f64>,
    pub degraded_error_rate: Option<f64>,
    pub down_error_rate: Option<f64>,
}

/// The per-service lines; an error names the line and what is wrong with it.
pub fn parse_overrides(text: &str) -> Result<Vec<ServiceThresholds>, String> {
    let mut services: Vec<ServiceThresholds> = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = |problem: String| format!("Line {}: {problem}", n + 1);
        let mut words = line.split_whitespace();
        let service = words.next().unwrap_or_default();
        if service.contains('=') {
            return Err(at("start the line with the service's name.".into()));
        }
        if service.chars().count() > 200 {
            return Err(at("a service name has at most 200 characters.".into()));
        }
        if services.iter().any(|s| s.service == service) {
            return Err(at(format!("“{service}” has a line already.")));
        }
        let mut own = ServiceThresholds {
            service: service.to_string(),
            ..Default::default()
        };
        for word in words {
            let (name, value) = word
                .split_once('=')
                .ok_or_else(|| at(format!("“{word}” is not name=value.")))?;
            let ms = |v: &str| whole(v, 1, 600_000, "milliseconds").map(|ms| Some(ms as f64));
            let rate = |v: &str| percent(v).map(Some);
            match name {
                "degraded_p95" => own.degraded_p95_ms = ms(value).map_err(&at)?,
                "down_p95" => own.down_p95_ms = ms(value).map_err(&at)?,
                "degraded_errors" => own.degraded_error_rate = rate(value).map_err(&at)?,
                "down_errors" => own.down_error_rate = rate(value).map_err(&at)?,
                other => {
                    return Err(at(format!(
                        "“{other}” is not one of degraded_p95, down_p95, degraded_errors, down_errors."
                    )));
                }
            }
        }
        if own
            == (ServiceThresholds {
                service: service.to_string(),
                ..Default::default()
            })
        {
            return Err(at(format!("give “{service}” at least one threshold.")));
        }
        services.push(own);
    }
    if services.len() > 200 {
        return Err("At most 200 services.".into());
    }
    Ok(services)
}

/// Why `t` cannot be used (down below degraded), if it cannot.
pub fn inconsistency(t: &TileThresholds) -> Option<String> {
    if t.down_error_rate < t.degraded_error_rate {
        return Some("The error rate for down must be at least the one for degraded.".into());
    }
    if t.down_p95_ms.is_some_and(|down| down < t.degraded_p95_ms) {
        return Some("The P95 for down must be at least the one for degraded.".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_overrides_what_it_names() {
        let parsed =
            parse_overrides("checkout degraded_p95=400 down_errors=10%\n\n  search down_p95=3000").expect("valid");
        assert_eq!(parsed.len(), 2);
        let checkout = TileThresholds::default().with(&parsed[0]);
        assert_eq!(checkout.degraded_p95_ms, 400.0);
        assert_eq!(checkout.down_error_rate, 0.10);
        assert_eq!(checkout.degraded_error_rate, 0.05);
        assert_eq!(parsed[1].down_p95_ms, Some(3000.0));
    }

    #[test]
    fn a_bad_line_is_named() {
        assert_eq!(
            parse_overrides("a degraded_p95=1\nb p99=3"),
            Err("Line 2: “p99” is not one of degraded_p95, down_p95, degraded_errors, down_errors.".into())
        );
        assert_eq!(
            parse_overrides("a"),
            Err("Line 1: give “a” at least one threshold.".into())
        );
        assert!(parse_overrides("a degraded_errors=0").is_err());
        assert!(parse_overrides("a down_p95=1\na down_p95=2").is_err());
    }
}
