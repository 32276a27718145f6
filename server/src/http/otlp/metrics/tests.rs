//! The conversion rules, point by point: what is refused and why, labels,
//! exponential buckets made explicit, and which histograms are requests.

use chrono::{Duration, Utc};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::exponential_histogram_data_point::Buckets;
use opentelemetry_proto::tonic::metrics::v1::{
    ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, metric::Data, number_data_point,
};

use app::metrics::ingest::TimeWindow;
use app::metrics::ssr::points::{Reading, RequestSeries};

use super::convert::{Converted, convert};

fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.into())),
        }),
        ..Default::default()
    }
}

fn now_nanos() -> u64 {
    u64::try_from(
        (Utc::now() - Duration::seconds(5))
            .timestamp_nanos_opt()
            .unwrap_or_default(),
    )
    .unwrap_or_default()
}

fn one(name: &str, unit: &str, data: Data) -> Converted {
    let export = ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: None,
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: name.into(),
                    unit: unit.into(),
                    data: Some(data),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    convert(export, TimeWindow::around(Utc::now(), 7))
}

fn gauge(value: f64, attributes: Vec<KeyValue>, flags: u32, time: u64) -> Data {
    Data::Gauge(Gauge {
        data_points: vec![NumberDataPoint {
            attributes,
            time_unix_nano: time,
            value: Some(number_data_point::Value::AsDouble(value)),
            flags,
            ..Default::default()
        }],
    })
}

fn refusal(converted: &Converted) -> &str {
    converted.refused.first().map_or("", String::as_str)
}

#[test]
fn numbers_are_checked_point_by_point() {
    let now = now_nanos();
    let long = "x".repeat(201);
    let many: Vec<KeyValue> = (0..21).map(|i| kv(&format!("k{i}"), "v")).collect();
    // (data, the refusal's ending, or "" when taken)
    let cases = [
        (gauge(1.5, vec![kv("region", "eu")], 0, now), ""),
        (
            gauge(f64::NAN, vec![], 0, now),
            "value must be a finite number from -1e300 to 1e300",
        ),
        (
            gauge(f64::INFINITY, vec![], 0, now),
            "value must be a finite number from -1e300 to 1e300",
        ),
        (gauge(1.0, vec![], 0, 0), "timeUnixNano is required"),
        (
            gauge(1.0, vec![], 0, now - 8 * 86_400_000_000_000),
            "timeUnixNano is older than the 7-day raw retention",
        ),
        (
            gauge(1.0, vec![], 0, now + 3_600_000_000_000),
            "timeUnixNano is too far in the future",
        ),
        (gauge(1.0, many, 0, now), "attributes: at most 20 per point"),
        (
            gauge(1.0, vec![kv("k", &long)], 0, now),
            "attributes.k must be at most 200 characters (at most 200 characters)",
        ),
    ];
    for (data, expected) in cases {
        let converted = one("queue.depth", "1", data);
        if expected.is_empty() {
            assert_eq!(
                (converted.points.len(), converted.refused.len()),
                (1, 0),
                "{:?}",
                converted.refused
            );
            assert_eq!(converted.points[0].series.service, "unknown_service");
            assert_eq!(converted.points[0].series.labels["region"], "eu");
        } else {
            assert!(
                refusal(&converted).ends_with(expected),
                "{} should end with {expected}",
                refusal(&converted)
            );
            assert!(converted.points.is_empty());
        }
    }
    // "No recorded value" is neither stored nor refused.
    let skipped = one("queue.depth", "1", gauge(1.0, vec![], 1, now));
    assert_eq!((skipped.points.len(), skipped.refused.len()), (0, 0));
}

fn histogram(bounds: Vec<f64>, buckets: Vec<u64>, count: u64, attributes: Vec<KeyValue>) -> Data {
    Data::Histogram(Histogram {
        data_points: vec![HistogramDataPoint {
            attributes,
            time_unix_nano: now_nanos(),
            count,
            sum: Some(1.0),
            bucket_counts: buckets,
            explicit_bounds: bounds,
            ..Default::default()
        }],
        aggregation_temporality: 1,
    })
}

#[test]
fn histograms_must_have_ascending_bounds_and_buckets_that_add_up() {
    let cases = [
        (histogram(vec![1.0, 2.0], vec![1, 1, 1], 3, vec![]), ""),
        (histogram(vec![], vec![], 3, vec![]), ""),
        (
            histogram(vec![1.0, 2.0], vec![1, 1, 1], 4, vec![]),
            "bucket counts add up to 3, not to count 4",
        ),
        (
            histogram(vec![2.0, 1.0], vec![1, 1, 1], 3, vec![]),
            "bounds must be finite and strictly ascending",
        ),
        (
            histogram(vec![1.0, f64::NAN], vec![1, 1, 1], 3, vec![]),
            "bounds must be finite and strictly ascending",
        ),
        (
            histogram(vec![1.0], vec![1, 1, 1], 3, vec![]),
            "bucketCounts must hold one count more than explicitBounds",
        ),
        (
            histogram(vec![1.0], vec![u64::MAX, 1], 0, vec![]),
            "bucket counts overflow",
        ),
    ];
    for (data, expected) in cases {
        let converted = one("cart.latency", "ms", data);
        if expected.is_empty() {
            assert_eq!(converted.refused, Vec::<String>::new());
        } else {
            assert!(
                refusal(&converted).ends_with(expected),
                "{} should end with {expected}",
                refusal(&converted)
            );
        }
    }
    // The suffixes must fit: a distribution's name is 6 characters shorter.
    let long = one("x".repeat(195).as_str(), "ms", histogram(vec![], vec![], 0, vec![]));
    assert!(
        refusal(&long).ends_with("name must be at most 194 characters"),
        "{}",
        refusal(&long)
    );
}

#[test]
fn request_duration_histograms_name_their_endpoint_and_errors() {
    let at = |attributes: Vec<KeyValue>, unit: &str| {
        let converted = one(
            "http.server.request.duration",
            unit,
            histogram(vec![0.1], vec![1, 0], 1, attributes),
        );
        converted.points[0].requests.clone()
    };
    let series = |endpoint: &str, error: bool, to_ms: f64| {
        Some(RequestSeries {
            endpoint: endpoint.into(),
            error,
            to_ms,
        })
    };
    let route = kv("http.route", "/orders/{id}");
    let method = kv("http.request.method", "POST");
    assert_eq!(
        at(vec![route.clone(), kv("http.response.status_code", "200")], "s"),
        series("/orders/{id}", false, 1000.0)
    );
    assert_eq!(
        at(vec![route.clone(), kv("http.response.status_code", "502")], "ms"),
        series("/orders/{id}", true, 1.0)
    );
    assert_eq!(
        at(vec![method.clone(), kv("error.type", "timeout")], "s"),
        series("POST", true, 1000.0)
    );
    assert_eq!(at(vec![], "s"), series("HTTP", false, 1000.0));
    // Another unit, or another metric: not requests.
    assert_eq!(at(vec![route], "us"), None);
    let other = one("db.duration", "s", histogram(vec![0.1], vec![1, 0], 1, vec![]));
    assert_eq!(other.points[0].requests, None);
}

#[test]
fn exponential_buckets_become_explicit_ones() {
    let point = ExponentialHistogramDataPoint {
        time_unix_nano: now_nanos(),
        count: 6,
        sum: Some(10.0),
        scale: 0,
        zero_count: 1,
        // Base 2: bucket 1 is (2, 4], bucket 2 is (4, 8].
        positive: Some(Buckets {
            offset: 1,
            bucket_counts: vec![2, 3],
        }),
        ..Default::default()
    };
    let converted = one(
        "queue.wait",
        "ms",
        Data::ExponentialHistogram(ExponentialHistogram {
            data_points: vec![point.clone()],
            aggregation_temporality: 2,
        }),
    );
    let Reading::Distribution {
        cumulative,
        distribution,
    } = &converted.points[0].reading
    else {
        panic!("a distribution: {:?}", converted.refused)
    };
    assert!(cumulative);
    assert_eq!(distribution.bounds, vec![0.0, 2.0, 4.0, 8.0]);
    assert_eq!(distribution.buckets, vec![1.0, 0.0, 2.0, 3.0, 0.0]);
    assert_eq!(distribution.quantile(0.5), Some(4.0));
    let bad = |point: ExponentialHistogramDataPoint| {
        let converted = one(
            "queue.wait",
            "ms",
            Data::ExponentialHistogram(ExponentialHistogram {
                data_points: vec![point],
                aggregation_temporality: 2,
            }),
        );
        refusal(&converted).rsplit(": ").next().unwrap_or_default().to_string()
    };
    assert_eq!(
        bad(ExponentialHistogramDataPoint {
            scale: 21,
            ..point.clone()
        }),
        "scale must be from -10 to 20"
    );
    assert_eq!(
        bad(ExponentialHistogramDataPoint {
            count: 7,
            ..point.clone()
        }),
        "bucket counts add up to 6, not to count 7"
    );
    let huge = ExponentialHistogramDataPoint {
        positive: Some(Buckets {
            offset: 2_000,
            bucket_counts: vec![6],
        }),
        zero_count: 0,
        ..point
    };
    assert_eq!(bad(huge), "bounds must be finite and strictly ascending");
}
