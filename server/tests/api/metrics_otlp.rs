//! Metric points in: `POST /v1/metrics` (OTLP/HTTP) turns gauges, sums and
//! histograms into samples (cumulative sums into rates, cumulative
//! histograms into their interval's count, sum and percentiles), counts
//! `http.server.request.duration` histograms as requests (and then no
//! longer counts the service's server spans), refuses bad points alone,
//! and stores a retried export once.

use chrono::{DateTime, Duration, Utc};
use opentelemetry_proto::tonic::collector::metrics::v1::{ExportMetricsServiceRequest, ExportMetricsServiceResponse};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics,
    ScopeMetrics, Sum, metric::Data, number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, span};
use prost::Message;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::ingest::insert_key;
use crate::logs_ingest::{PROTOBUF, Sent, gzip, kv, nanos, post};

const CUMULATIVE: i32 = AggregationTemporality::Cumulative as i32;
const DELTA: i32 = AggregationTemporality::Delta as i32;

fn number(start: DateTime<Utc>, at: DateTime<Utc>, value: f64, labels: &[(&str, &str)]) -> NumberDataPoint {
    NumberDataPoint {
        attributes: labels.iter().map(|(k, v)| kv(k, v)).collect(),
        start_time_unix_nano: nanos(start),
        time_unix_nano: nanos(at),
        value: Some(number_data_point::Value::AsDouble(value)),
        ..Default::default()
    }
}

fn metric(name: &str, unit: &str, data: Data) -> Metric {
    Metric {
        name: name.into(),
        unit: unit.into(),
        data: Some(data),
        ..Default::default()
    }
}

fn export(service: &str, metrics: Vec<Metric>) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: vec![kv("service.name", service)],
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

async fn send(app: &TestApp, key: &str, export: &ExportMetricsServiceRequest, headers: &[(&str, &str)]) -> Sent {
    let mut all = vec![("content-type", PROTOBUF), ("content-encoding", "gzip")];
    all.extend_from_slice(headers);
    post(app, "/v1/metrics", Some(key), &all, gzip(&export.encode_to_vec())).await
}

fn answer(sent: &Sent) -> ExportMetricsServiceResponse {
    assert_eq!(sent.status, 200, "{}", String::from_utf8_lossy(&sent.body));
    ExportMetricsServiceResponse::decode(&sent.body[..]).expect("an ExportMetricsServiceResponse")
}

/// (name, labels as JSON text, value, kind) of every stored sample, in time order.
async fn samples(app: &TestApp, name_like: &str) -> Vec<(String, String, f64, String)> {
    sqlx::query_as("SELECT name, labels::text, value, kind FROM metric_samples WHERE name LIKE $1 ORDER BY ts, name")
        .bind(name_like)
        .fetch_all(&app.db)
        .await
        .expect("samples")
}

#[tokio::test]
async fn gauges_and_sums_become_samples_and_a_cumulative_counter_a_rate() {
    let app = TestApp::spawn().await;
    let key = insert_key(&app, &["ingest"]).await.1;
    let start = Utc::now() - Duration::seconds(120);
    let first = start + Duration::seconds(30);
    let second = first + Duration::seconds(60);
    let counter = |at, value| {
        metric(
            "orders.placed",
            "1",
            Data::Sum(Sum {
                data_points: vec![number(start, at, value, &[("region", "eu")])],
                aggregation_temporality: CUMULATIVE,
                is_monotonic: true,
            }),
        )
    };
    let gauge = metric(
        "queue.depth",
        "1",
        Data::Gauge(Gauge {
            data_points: vec![number(start, first, 7.5, &[])],
        }),
    );
    let delta = metric(
        "bytes.sent",
        "By",
        Data::Sum(Sum {
            data_points: vec![number(first, second, 4096.0, &[])],
            aggregation_temporality: DELTA,
            is_monotonic: true,
        }),
    );
    let sent = send(
        &app,
        &key,
        &export("shop", vec![counter(first, 60.0), gauge, delta]),
        &[],
    )
    .await;
    assert_eq!(answer(&sent).partial_success, None);
    let sent = send(&app, &key, &export("shop", vec![counter(second, 180.0)]), &[]).await;
    assert_eq!(answer(&sent).partial_success, None);

    // 60 orders in the 30 s since the start, then 120 in 60 s: 2 per second each time.
    assert_eq!(
        samples(&app, "orders.placed").await,
        vec![
            (
                "orders.placed".into(),
                r#"{"region": "eu"}"#.into(),
                2.0,
                "gauge".into()
            ),
            (
                "orders.placed".into(),
                r#"{"region": "eu"}"#.into(),
                2.0,
                "gauge".into()
            ),
        ]
    );
    assert_eq!(samples(&app, "queue.depth").await[0].2, 7.5);
    assert_eq!(
        samples(&app, "bytes.sent").await,
        vec![("bytes.sent".into(), "{}".into(), 4096.0, "counter".into())]
    );
    // A retried (or replayed) old point adds nothing.
    let sent = send(&app, &key, &export("shop", vec![counter(second, 180.0)]), &[]).await;
    assert_eq!(answer(&sent).partial_success, None);
    assert_eq!(samples(&app, "orders.placed").await.len(), 2);
}

fn duration_histogram(start: DateTime<Utc>, at: DateTime<Utc>, buckets: [u64; 4], status: &str) -> Metric {
    metric(
        "http.server.request.duration",
        "s",
        Data::Histogram(Histogram {
            data_points: vec![HistogramDataPoint {
                attributes: vec![
                    kv("http.route", "/orders/{id}"),
                    kv("http.request.method", "GET"),
                    kv("http.response.status_code", status),
                ],
                start_time_unix_nano: nanos(start),
                time_unix_nano: nanos(at),
                count: buckets.iter().sum(),
                sum: Some(buckets[0] as f64 * 0.005 + buckets[1] as f64 * 0.05 + buckets[2] as f64 * 0.3),
                bucket_counts: buckets.to_vec(),
                explicit_bounds: vec![0.01, 0.1, 0.5],
                ..Default::default()
            }],
            aggregation_temporality: CUMULATIVE,
        }),
    )
}

#[tokio::test]
async fn request_duration_histograms_count_requests_and_win_over_server_spans() {
    let app = TestApp::spawn().await;
    let key = insert_key(&app, &["ingest"]).await.1;
    let start = Utc::now() - Duration::seconds(90);
    let first = start + Duration::seconds(20);
    let second = first + Duration::seconds(20);
    let ok = |at, buckets| duration_histogram(start, at, buckets, "200");
    let failed = |at, buckets| duration_histogram(start, at, buckets, "503");
    let sent = send(
        &app,
        &key,
        &export("shop", vec![ok(first, [10, 5, 0, 0]), failed(first, [0, 0, 1, 0])]),
        &[],
    )
    .await;
    assert_eq!(answer(&sent).partial_success, None);
    let sent = send(
        &app,
        &key,
        &export("shop", vec![ok(second, [30, 15, 5, 0]), failed(second, [0, 0, 1, 0])]),
        &[],
    )
    .await;
    assert_eq!(answer(&sent).partial_success, None);

    // 16 requests in the first export, then 35 more (none failed): 51, 1 error.
    let (count, errors): (i64, i64) =
        sqlx::query_as("SELECT sum(count)::bigint, sum(errors)::bigint FROM request_rollups_1m WHERE service = 'shop' AND endpoint = '/orders/{id}'")
            .fetch_one(&app.db)
            .await
            .expect("rollups");
    assert_eq!((count, errors), (51, 1));
    // The samples are the intervals': 15 + 1, then 35 + 0 requests.
    let counts: Vec<f64> = samples(&app, "http.server.request.duration.count")
        .await
        .into_iter()
        .map(|sample| sample.2)
        .collect();
    assert_eq!(counts.iter().sum::<f64>(), 51.0, "{counts:?}");
    let p99 = samples(&app, "http.server.request.duration.p99").await;
    assert!(p99.iter().all(|s| s.2 > 0.0 && s.2 <= 0.5), "{p99:?}");

    // The Performance report shows the endpoint with those counts.
    let report = performance(&app, "shop").await;
    assert_eq!(report["endpoints"], json!(["/orders/{id}"]), "{report}");
    assert_eq!(
        (
            report["overall"]["count"].as_i64(),
            report["overall"]["errors"].as_i64()
        ),
        (Some(51), Some(1)),
        "{report}"
    );

    // Its server spans are still traces, but no longer counted again.
    let trace = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("service.name", "shop")],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: vec![7; 16],
                    span_id: vec![7; 8],
                    name: "GET /orders/{id}".into(),
                    kind: span::SpanKind::Server as i32,
                    start_time_unix_nano: nanos(second),
                    end_time_unix_nano: nanos(second + Duration::milliseconds(20)),
                    attributes: vec![kv("http.route", "/orders/{id}")],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let sent = post(
        &app,
        "/v1/traces",
        Some(&key),
        &[("content-type", PROTOBUF)],
        trace.encode_to_vec(),
    )
    .await;
    assert_eq!(sent.status, 200);
    let spans: i64 = sqlx::query_scalar("SELECT count(*) FROM spans")
        .fetch_one(&app.db)
        .await
        .expect("spans");
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM request_events")
        .fetch_one(&app.db)
        .await
        .expect("events");
    assert_eq!((spans, events), (1, 0));
}

async fn performance(app: &TestApp, service: &str) -> Value {
    let (browser, _) = app.signed_in(app::auth::permissions::Role::Viewer).await;
    let response = browser
        .post_fn(
            "/api/metrics/performance",
            &[("query[service]", service), ("query[range]", "1h")],
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn bad_points_are_refused_alone_and_named() {
    let app = TestApp::spawn().await;
    let key = insert_key(&app, &["ingest"]).await.1;
    let now = Utc::now() - Duration::seconds(5);
    let point = |value: f64| json!({ "timeUnixNano": nanos(now).to_string(), "asDouble": value });
    let body = json!({ "resourceMetrics": [{
        "resource": { "attributes": [{ "key": "service.name", "value": { "stringValue": "cart" } }] },
        "scopeMetrics": [{ "metrics": [
            { "name": "cart.size", "gauge": { "dataPoints": [point(1e301), point(3.0)] } },
            { "name": "cart.latency", "unit": "ms", "histogram": { "aggregationTemporality": 1, "dataPoints": [{
                "timeUnixNano": nanos(now).to_string(), "count": "5", "sum": 10.0,
                "bucketCounts": ["1", "1"], "explicitBounds": [5.0]
            }] } },
            { "name": "cart.opened", "sum": { "dataPoints": [{ "timeUnixNano": nanos(now).to_string(), "asInt": "1" }] } }
        ] }]
    }]});
    let sent = post(
        &app,
        "/v1/metrics",
        Some(&key),
        &[("content-type", "application/json")],
        body.to_string(),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", String::from_utf8_lossy(&sent.body));
    let answer: Value = serde_json::from_slice(&sent.body).expect("JSON");
    assert_eq!(answer["partialSuccess"]["rejectedDataPoints"], 3, "{answer}");
    let message = answer["partialSuccess"]["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("metrics[0].dataPoints[0]: value must be a finite number"),
        "{message}"
    );
    assert!(
        message.contains("metrics[1].dataPoints[0]: bucket counts add up to 2, not to count 5"),
        "{message}"
    );
    assert!(
        message.contains("metrics[2].dataPoints[0]: aggregationTemporality must be DELTA or CUMULATIVE"),
        "{message}"
    );
    // The good point is stored; nothing of the bad ones.
    assert_eq!(
        samples(&app, "cart.%").await,
        vec![("cart.size".into(), "{}".into(), 3.0, "gauge".into())]
    );
}

#[tokio::test]
async fn a_retried_export_is_stored_once_and_garbage_is_refused() {
    let app = TestApp::spawn().await;
    let key = insert_key(&app, &["ingest"]).await.1;
    let now = Utc::now() - Duration::seconds(5);
    let gauge = export(
        "shop",
        vec![metric(
            "queue.depth",
            "1",
            Data::Gauge(Gauge {
                data_points: vec![number(now, now, 1.0, &[])],
            }),
        )],
    );
    for _ in 0..2 {
        let sent = send(&app, &key, &gauge, &[("idempotency-key", "export-1")]).await;
        assert_eq!(answer(&sent).partial_success, None);
    }
    assert_eq!(samples(&app, "queue.depth").await.len(), 1);

    let garbage = post(
        &app,
        "/v1/metrics",
        Some(&key),
        &[("content-type", PROTOBUF)],
        vec![0xff, 0xff, 0xff],
    )
    .await;
    assert_eq!(garbage.status, 400);
    let too_many = export(
        "shop",
        vec![metric(
            "queue.depth",
            "1",
            Data::Gauge(Gauge {
                data_points: vec![number(now, now, 1.0, &[]); 10_001],
            }),
        )],
    );
    assert_eq!(send(&app, &key, &too_many, &[]).await.status, 413);
    let no_key = post(
        &app,
        "/v1/metrics",
        None,
        &[("content-type", PROTOBUF)],
        gauge.encode_to_vec(),
    )
    .await;
    assert_eq!(no_key.status, 401);
}
