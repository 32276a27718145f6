use chrono::{DateTime, Duration, TimeZone};
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use serde_json::json;

use super::*;

fn window() -> TimeWindow {
    TimeWindow::around(
        Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).single().unwrap_or_default(),
        7,
    )
}

fn text(value: &str) -> Option<AnyValue> {
    Some(AnyValue {
        value: Some(any_value::Value::StringValue(value.into())),
    })
}

fn kv(key: &str, value: Option<AnyValue>) -> KeyValue {
    KeyValue {
        key: key.into(),
        value,
        ..Default::default()
    }
}

fn nanos(ts: DateTime<Utc>) -> u64 {
    u64::try_from(ts.timestamp_nanos_opt().unwrap_or_default()).unwrap_or_default()
}

fn export(records: Vec<LogRecord>, resource: Vec<KeyValue>) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: resource,
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "checkout-logger".into(),
                    version: "1.2".into(),
                    ..Default::default()
                }),
                log_records: records,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

#[test]
fn records_become_lines_with_resource_scope_and_record_attributes() {
    let ts = window().now - Duration::minutes(5);
    let record = LogRecord {
        time_unix_nano: nanos(ts),
        severity_number: 17,
        severity_text: "ERROR".into(),
        body: text("payment declined"),
        attributes: vec![
            kv(
                "order",
                Some(AnyValue {
                    value: Some(any_value::Value::IntValue(42)),
                }),
            ),
            kv("deployment.environment", text("staging")),
        ],
        trace_id: vec![0x4b; 16],
        span_id: vec![0xAB; 8],
        ..Default::default()
    };
    let resource = vec![
        kv("service.name", text("checkout")),
        kv("host.name", text("web-1")),
        kv("deployment.environment", text("prod")),
    ];
    let Converted { lines, refused } = convert(export(vec![record], resource), window());
    assert!(refused.is_empty(), "{refused:?}");
    let line = &lines[0];
    assert_eq!(line.service, "checkout");
    assert_eq!(line.host, "web-1");
    assert_eq!(line.ts, ts);
    assert_eq!(line.observed_ts, window().now);
    assert_eq!((line.severity, line.severity_text.as_str()), (17, "ERROR"));
    assert_eq!(line.body, "payment declined");
    assert_eq!(line.trace_id.as_deref(), Some("4b".repeat(16).as_str()));
    assert_eq!(line.span_id.as_deref(), Some("ab".repeat(8).as_str()));
    assert_eq!(
        line.attributes,
        json!({
            "service.name": "checkout",
            "host.name": "web-1",
            "deployment.environment": "staging",
            "otel.scope.name": "checkout-logger",
            "otel.scope.version": "1.2",
            "order": 42,
        })
    );
}

#[test]
fn missing_service_times_and_other_bodies_have_fallbacks() {
    let observed = window().now - Duration::minutes(1);
    let map = AnyValue {
        value: Some(any_value::Value::KvlistValue(KeyValueList {
            values: vec![kv("a", text("b"))],
        })),
    };
    let list = AnyValue {
        value: Some(any_value::Value::ArrayValue(ArrayValue {
            values: vec![
                text("x").unwrap_or_default(),
                AnyValue {
                    value: Some(any_value::Value::DoubleValue(1.5)),
                },
            ],
        })),
    };
    let records = vec![
        LogRecord {
            observed_time_unix_nano: nanos(observed),
            body: Some(map),
            ..Default::default()
        },
        LogRecord {
            body: Some(list),
            ..Default::default()
        },
    ];
    let resource = vec![kv("service.instance.id", text("pod-7"))];
    let Converted { lines, refused } = convert(export(records, resource), window());
    assert!(refused.is_empty(), "{refused:?}");
    assert_eq!(lines[0].service, "unknown_service");
    assert_eq!(lines[0].host, "pod-7");
    assert_eq!(lines[0].ts, observed);
    assert_eq!(lines[0].body, r#"{"a":"b"}"#);
    assert_eq!(lines[1].ts, window().now);
    assert_eq!(lines[1].body, r#"["x",1.5]"#);
}

#[test]
fn bad_records_are_refused_alone_and_named() {
    let good = LogRecord {
        body: text("fine"),
        ..Default::default()
    };
    let old = LogRecord {
        time_unix_nano: nanos(window().now - Duration::days(30)),
        ..Default::default()
    };
    let future = LogRecord {
        time_unix_nano: u64::MAX,
        ..Default::default()
    };
    let crowded = LogRecord {
        attributes: (0..10_000).map(|i| kv(&format!("k{i}"), text("v"))).collect(),
        ..Default::default()
    };
    let short_trace = LogRecord {
        trace_id: vec![1, 2, 3],
        ..Default::default()
    };
    let records = vec![good, old, future, crowded, short_trace];
    let Converted { lines, refused } = convert(export(records, vec![]), window());
    assert_eq!(lines.len(), 1);
    assert_eq!(refused.len(), 4);
    assert!(
        refused[0].starts_with("resourceLogs[0].scopeLogs[0].logRecords[1].timeUnixNano is older"),
        "{refused:?}"
    );
    assert!(
        refused[1].contains("logRecords[2].timeUnixNano is more than"),
        "{refused:?}"
    );
    assert!(
        refused[2].contains("logRecords[3].attributes has 10002 attributes"),
        "{refused:?}"
    );
    assert!(refused[3].contains("logRecords[4].traceId must be 32"), "{refused:?}");
    let answer = response(&refused);
    let partial = answer.partial_success.unwrap_or_default();
    assert_eq!(partial.rejected_log_records, 4);
    assert!(
        partial
            .error_message
            .starts_with("4 log records refused: resourceLogs[0]")
    );
    assert_eq!(response(&[]).partial_success, None);
}
