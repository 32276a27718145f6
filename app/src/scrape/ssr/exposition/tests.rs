use chrono::TimeZone;

use super::*;
use crate::metrics::ssr::points::Distribution;

/// The scrape's time; points carry it to the microsecond.
fn at() -> DateTime<Utc> {
    Utc.timestamp_opt(1_772_366_400, 123_456_789)
        .single()
        .expect("a valid time")
}

fn at_micros() -> DateTime<Utc> {
    Utc.timestamp_opt(1_772_366_400, 123_456_000)
        .single()
        .expect("a valid time")
}

fn target_labels() -> BTreeMap<String, String> {
    [("instance", "host:9100"), ("job", "node")]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

fn read(text: &str) -> Parsed {
    parse(text, "node", &target_labels(), at())
}

/// A point of service `node` with the target labels added.
fn point(name: &str, labels: &[(&str, &str)], ts: DateTime<Utc>, reading: Reading) -> Point {
    let mut all = target_labels();
    all.extend(labels.iter().map(|(key, value)| (key.to_string(), value.to_string())));
    Point {
        series: Series {
            service: "node".into(),
            name: name.into(),
            labels: all,
        },
        start: None,
        ts,
        reading,
        requests: None,
    }
}

fn sum(value: f64) -> Reading {
    Reading::Sum {
        cumulative: true,
        monotonic: true,
        value,
    }
}

const NODE: &str = r#"# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 12345.67
node_cpu_seconds_total{cpu="0",mode="user"} 234.5
# HELP node_load1 1m load average.
# TYPE node_load1 gauge
node_load1 0.42
# TYPE node_filesystem_avail_bytes gauge
# UNIT node_filesystem_avail_bytes bytes
node_filesystem_avail_bytes{device="/dev/sda1",fstype="ext4",mountpoint="/"} 1.2e+10 1772366000
legacy_thing{path="C:\\Temp\\\"x\" y",instance="from-exporter"} 7
# HELP http_request_duration_seconds Request latency.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{handler="/api",le="0.1"} 10
http_request_duration_seconds_bucket{handler="/api",le="0.5"} 25 # {trace_id="abc"} 0.3
http_request_duration_seconds_bucket{handler="/api",le="1"} 27
http_request_duration_seconds_bucket{handler="/api",le="+Inf"} 30
http_request_duration_seconds_sum{handler="/api"} 12.5
http_request_duration_seconds_count{handler="/api"} 30
http_request_duration_seconds_created{handler="/api"} 1772300000
# HELP go_gc_duration_seconds A summary of the GC pauses.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} NaN
go_gc_duration_seconds{quantile="0.5"} 0.002
go_gc_duration_seconds{quantile="1"} NaN
go_gc_duration_seconds_sum 0.01
go_gc_duration_seconds_count 5
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1.7723e+09
# EOF
after_eof 1
"#;

#[test]
fn reads_counters_gauges_untyped_histograms_and_summaries() {
    let parsed = read(NODE);
    assert_eq!(parsed.skipped, Vec::<String>::new());
    assert_eq!((parsed.series, parsed.skipped_count), (8, 0));
    let own_time = Utc.timestamp_opt(1_772_366_000, 0).single().expect("a valid time");
    let expected = vec![
        point(
            "node_cpu_seconds_total",
            &[("cpu", "0"), ("mode", "idle")],
            at_micros(),
            sum(12345.67),
        ),
        point(
            "node_cpu_seconds_total",
            &[("cpu", "0"), ("mode", "user")],
            at_micros(),
            sum(234.5),
        ),
        point("node_load1", &[], at_micros(), Reading::Gauge(0.42)),
        point(
            "node_filesystem_avail_bytes",
            &[("device", "/dev/sda1"), ("fstype", "ext4"), ("mountpoint", "/")],
            own_time,
            Reading::Gauge(1.2e10),
        ),
        // The target's `instance` wins over the exporter's.
        point(
            "legacy_thing",
            &[("path", r#"C:\Temp\"x" y"#)],
            at_micros(),
            Reading::Gauge(7.0),
        ),
        point("process_start_time_seconds", &[], at_micros(), Reading::Gauge(1.7723e9)),
        point(
            "go_gc_duration_seconds",
            &[],
            at_micros(),
            Reading::Distribution {
                cumulative: true,
                distribution: Distribution {
                    count: 5.0,
                    sum: 0.01,
                    quantiles: vec![(0.5, 0.002)],
                    ..Distribution::default()
                },
            },
        ),
        point(
            "http_request_duration_seconds",
            &[("handler", "/api")],
            at_micros(),
            Reading::Distribution {
                cumulative: true,
                distribution: Distribution {
                    count: 30.0,
                    sum: 12.5,
                    bounds: vec![0.1, 0.5, 1.0],
                    buckets: vec![10.0, 15.0, 2.0, 3.0],
                    ..Distribution::default()
                },
            },
        ),
    ];
    assert_eq!(parsed.points, expected);
}

#[test]
fn reads_the_prometheus_format_and_openmetrics_counters() {
    let text = "# TYPE requests_total counter\n\
                requests_total{code=\"200\"} 3 1772366000000\n\
                requests_created{code=\"200\"} 1772300000\n\
                # TYPE jobs counter\n\
                jobs_total 4\n\
                jobs_created 1772300000\n\
                # TYPE build info\n\
                build_info{version=\"1.2\"} 1\n\
                # TYPE queue histogram\n\
                queue_sum 2\n\
                queue_count 1\n";
    let parsed = read(text);
    assert_eq!(parsed.skipped, Vec::<String>::new());
    let own_time = Utc.timestamp_opt(1_772_366_000, 0).single().expect("a valid time");
    let queue = Distribution {
        count: 1.0,
        sum: 2.0,
        ..Distribution::default()
    };
    let expected = vec![
        point("requests_total", &[("code", "200")], own_time, sum(3.0)),
        point("jobs_total", &[], at_micros(), sum(4.0)),
        point("build_info", &[("version", "1.2")], at_micros(), Reading::Gauge(1.0)),
        point(
            "queue",
            &[],
            at_micros(),
            Reading::Distribution {
                cumulative: true,
                distribution: queue,
            },
        ),
    ];
    assert_eq!(parsed.points, expected);
    assert_eq!(parsed.series, 4);
}

/// The reasons of `text`'s skipped samples, checking that none was kept.
fn refused(text: &str) -> Vec<String> {
    let parsed = read(text);
    assert_eq!(parsed.points, Vec::new(), "{text}");
    assert_eq!(parsed.skipped_count, parsed.skipped.len(), "{text}");
    parsed.skipped
}

#[test]
fn skips_histograms_that_do_not_add_up() {
    let decreasing = "# TYPE h histogram\nh_bucket{le=\"0.1\"} 10\nh_bucket{le=\"0.5\"} 5\n\
                      h_bucket{le=\"+Inf\"} 12\nh_sum 1\nh_count 12\n";
    assert_eq!(
        refused(decreasing),
        [r#"h: bucket counts decrease: le="0.1" counts 10, le="0.5" 5"#]
    );
    let mismatched = "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n";
    assert_eq!(refused(mismatched), ["h: the +Inf bucket (2) differs from _count (3)"]);
    let short = "# TYPE h histogram\nh_bucket{le=\"1\"} 4\nh_count 3\n";
    assert!(refused(short)[0].ends_with("bucket counts decrease: _count 3 is below the last bucket's 4"));
    let gauge_histogram = "# TYPE g gaugehistogram\ng_bucket{le=\"+Inf\"} 1\ng_gcount 1\n";
    let reasons = refused(gauge_histogram);
    assert_eq!(reasons.len(), 2);
    assert!(reasons[0].ends_with("gaugehistograms are not supported"), "{reasons:?}");
}

#[test]
fn skips_values_that_are_not_finite() {
    let text = "a NaN\nb +Inf\nc -1e301\n# TYPE d counter\nd -1\ne nope\n";
    let parsed = read(text);
    assert_eq!(parsed.points, Vec::new());
    assert_eq!(parsed.series, 4);
    assert_eq!(
        parsed.skipped,
        [
            "e: the value `nope` is not a number",
            "a: value is NaN",
            "b: value is infinite",
            "c: value is beyond ±1e300",
            "d: a counter must not be negative",
        ]
    );
}

#[test]
fn skips_labels_names_and_series_that_fail_the_checks() {
    let long = "v".repeat(201);
    let many: Vec<String> = (0..19).map(|k| format!("l{k}=\"x\"")).collect();
    let long_name = "n".repeat(195);
    let text = format!(
        "ok{{a=\"1\"}} 1\nlong{{a=\"{long}\"}} 1\nmany{{{}}} 1\nok{{a=\"1\"}} 2\n\
         # TYPE {long_name} summary\n{long_name}_count 1\n",
        many.join(",")
    );
    let parsed = read(&text);
    assert_eq!(parsed.points.len(), 1);
    assert_eq!(parsed.skipped_count, 4);
    assert!(parsed.skipped[0].starts_with("long{a=\"vvv"), "{:?}", parsed.skipped);
    assert!(parsed.skipped[0].ends_with(": labels.a must be at most 200 characters"));
    assert!(parsed.skipped[0].chars().count() < 300);
    assert!(
        parsed.skipped[1].ends_with(": labels must hold at most 20 labels"),
        "{:?}",
        parsed.skipped
    );
    assert!(parsed.skipped[2].ends_with(": the series appears twice"));
    assert!(parsed.skipped[3].ends_with(": name must be at most 194 characters"));
}

#[test]
fn skips_what_the_crate_would_misread() {
    let text = "commas{a=\"x,y\"} 1\nequals{a=\"x=y\"} 1\nquote{a=\"x\\\"\"} 1\n\
                recorded:rate5m 1\nspaced{a=\"1\", b=\"2\"} 3\n";
    let parsed = read(text);
    let spaced = point("spaced", &[("a", "1"), ("b", "2")], at_micros(), Reading::Gauge(3.0));
    assert_eq!(parsed.points, vec![spaced]);
    assert_eq!(parsed.skipped.len(), 4);
    assert!(parsed.skipped[0].starts_with("commas: a label value holds a comma"));
    assert!(parsed.skipped[1].starts_with("equals: "));
    assert!(parsed.skipped[2].starts_with("quote: "));
    assert_eq!(parsed.skipped[3], "line 4 is not a sample: `recorded:rate5m 1`");
}

#[test]
fn garbage_gives_one_reason_and_no_panic() {
    let html = "<html>\n<head><title>404 Not Found</title></head>\n<body>nope</body>\n</html>\n";
    let parsed = read(html);
    assert_eq!(parsed.points, Vec::new());
    assert_eq!(parsed.series, 0);
    assert_eq!(
        parsed.skipped,
        ["no metric could be read; the first problem: line 1 is not a sample: `<html>`"]
    );
    assert_eq!(parsed.skipped_count, 4);
    let odd = "x{a=\"\\\"} 1\n\u{0}\u{1} 2\n{}} 3\nx 1 9223372036854775807\ny 1 -9223372036854775808\n\
               # TYPE h histogram\nh_bucket{le=\"NaN\"} 1\nh_bucket 2\n# TYPE s summary\ns{quantile=\"2\"} 1\ns_count 1\n";
    for text in [odd, "", "\n\n", "# EOF", "x", "{", "# TYPE", "\u{feff}x 1"] {
        let parsed = parse(text, "node", &BTreeMap::new(), at());
        assert!(parsed.points.len() <= 2, "{text:?}: {parsed:?}");
    }
    let service = parse("x 1\n", "", &target_labels(), at());
    assert_eq!(service.skipped, ["service must not be empty"]);
}

#[test]
fn keeps_at_most_the_point_limit() {
    let text: String = (0..MAX_POINTS + 5).map(|k| format!("g{{k=\"{k}\"}} 1\n")).collect();
    let parsed = read(&text);
    assert_eq!(parsed.points.len(), MAX_POINTS);
    assert_eq!((parsed.series, parsed.skipped_count), (MAX_POINTS + 5, 5));
    assert_eq!(
        parsed.skipped,
        [format!("only the first {MAX_POINTS} points are kept: 5 more skipped")]
    );
}
