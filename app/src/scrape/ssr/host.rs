//! Host percentages from a node exporter's raw gauges, added to its scrape
//! so the default host rules (`scripts/host-rules.yaml`) and a reader need
//! no arithmetic: `host.memory.used_percent` (100 × (1 − MemAvailable ÷
//! MemTotal)) and `host.disk.used_percent` per filesystem (100 × (1 − avail
//! ÷ size), labelled `mountpoint`, `device`, `fstype` as the exporter's).
//! Nothing is added for an exposition without those gauges.

use std::collections::BTreeMap;

use crate::metrics::ssr::points::{Point, Reading, Series};

pub const MEMORY_USED: &str = "host.memory.used_percent";
pub const DISK_USED: &str = "host.disk.used_percent";

/// The percentages `points` allow (see the module's comment).
pub fn derived(points: &[Point]) -> Vec<Point> {
    let gauge = |name: &'static str| gauges(points, name);
    let mut out = Vec::new();
    if let (Some((total, size)), Some((_, available))) = (
        gauge("node_memory_MemTotal_bytes").next(),
        gauge("node_memory_MemAvailable_bytes").next(),
    ) && size > 0.0
    {
        out.push(percent(
            total,
            MEMORY_USED,
            total.series.labels.clone(),
            1.0 - available / size,
        ));
    }
    let key = |labels: &BTreeMap<String, String>| {
        ["mountpoint", "device", "fstype"].map(|name| labels.get(name).cloned().unwrap_or_default())
    };
    let available: BTreeMap<_, f64> = gauge("node_filesystem_avail_bytes")
        .map(|(point, value)| (key(&point.series.labels), value))
        .collect();
    for (point, size) in gauge("node_filesystem_size_bytes") {
        if let Some(free) = available.get(&key(&point.series.labels)).filter(|_| size > 0.0) {
            out.push(percent(
                point,
                DISK_USED,
                point.series.labels.clone(),
                1.0 - free / size,
            ));
        }
    }
    out
}

/// The gauges named `name`, with their values.
fn gauges<'a>(points: &'a [Point], name: &'a str) -> impl Iterator<Item = (&'a Point, f64)> + 'a {
    points.iter().filter_map(move |point| match point.reading {
        Reading::Gauge(value) if point.series.name == name => Some((point, value)),
        _ => None,
    })
}

fn percent(like: &Point, name: &str, labels: BTreeMap<String, String>, used: f64) -> Point {
    Point {
        series: Series {
            service: like.series.service.clone(),
            name: name.to_string(),
            labels,
        },
        start: None,
        ts: like.ts,
        reading: Reading::Gauge((used * 100.0).clamp(0.0, 100.0)),
        requests: None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn gauge(name: &str, labels: &[(&str, &str)], value: f64) -> Point {
        Point {
            series: Series {
                service: "host".into(),
                name: name.into(),
                labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            },
            start: None,
            ts: Utc::now(),
            reading: Reading::Gauge(value),
            requests: None,
        }
    }

    #[test]
    fn memory_and_each_filesystem_become_percentages() {
        let root = [("mountpoint", "/"), ("device", "/dev/sda1"), ("fstype", "ext4")];
        let data = [("mountpoint", "/data"), ("device", "/dev/sdb1"), ("fstype", "xfs")];
        let points = vec![
            gauge("node_memory_MemTotal_bytes", &[("instance", "h:9100")], 1000.0),
            gauge("node_memory_MemAvailable_bytes", &[("instance", "h:9100")], 250.0),
            gauge("node_filesystem_size_bytes", &root, 200.0),
            gauge("node_filesystem_avail_bytes", &root, 20.0),
            gauge("node_filesystem_size_bytes", &data, 100.0),
            gauge("node_filesystem_avail_bytes", &data, 100.0),
            // A filesystem without its free space says nothing.
            gauge("node_filesystem_size_bytes", &[("mountpoint", "/boot")], 10.0),
        ];
        let derived: Vec<(String, Option<String>, f64)> = derived(&points)
            .into_iter()
            .map(|point| {
                let Reading::Gauge(value) = point.reading else {
                    unreachable!()
                };
                (point.series.name, point.series.labels.get("mountpoint").cloned(), value)
            })
            .collect();
        assert_eq!(
            derived,
            vec![
                (MEMORY_USED.to_string(), None, 75.0),
                (DISK_USED.to_string(), Some("/".into()), 90.0),
                (DISK_USED.to_string(), Some("/data".into()), 0.0),
            ]
        );
        assert!(super::derived(&[gauge("queue_depth", &[], 3.0)]).is_empty());
    }
}
