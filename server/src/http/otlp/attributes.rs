//! OTLP attributes and times, as every signal's door reads them: an
//! `AnyValue` as JSON, attributes flattened into one object (nested maps as
//! dotted keys, `app::logs::ingest::flatten_into`), nanosecond times.

use base64::Engine;
use chrono::{DateTime, Utc};
use opentelemetry_proto::tonic::common::v1::{InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use serde_json::{Map, Value};

use app::logs::ingest::{flatten_into, float_value};

/// Nanoseconds since the epoch; `None` for 0 (OTLP's "unknown").
pub fn time(nanos: u64) -> Option<DateTime<Utc>> {
    if nanos == 0 {
        return None;
    }
    Some(i64::try_from(nanos).map_or(DateTime::<Utc>::MAX_UTC, DateTime::from_timestamp_nanos))
}

pub fn text_of<'a>(attributes: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    attributes
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

pub fn put(attributes: &mut Map<String, Value>, attribute: KeyValue) {
    let value = attribute
        .value
        .and_then(|value| value.value)
        .map_or(Value::Null, to_json);
    flatten_into(attributes, attribute.key, value);
}

/// An OTLP `AnyValue` as JSON: maps as objects, bytes as base64.
pub fn to_json(value: any_value::Value) -> Value {
    use any_value::Value as Any;
    match value {
        Any::StringValue(text) => Value::String(text),
        Any::BoolValue(flag) => Value::Bool(flag),
        Any::IntValue(number) => Value::from(number),
        Any::DoubleValue(number) => float_value(number),
        Any::BytesValue(bytes) => Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
        Any::ArrayValue(array) => Value::Array(
            array
                .values
                .into_iter()
                .map(|item| item.value.map_or(Value::Null, to_json))
                .collect(),
        ),
        Any::KvlistValue(list) => Value::Object(
            list.values
                .into_iter()
                .map(|kv| (kv.key, kv.value.and_then(|v| v.value).map_or(Value::Null, to_json)))
                .collect(),
        ),
        // A dictionary index (profiles only); logs and traces never carry one.
        Any::StringValueStrindex(index) => Value::from(index),
    }
}

/// A resource's attributes as one object.
pub fn of_resource(resource: Option<Resource>) -> Map<String, Value> {
    let mut out = Map::new();
    for attribute in resource.map(|resource| resource.attributes).unwrap_or_default() {
        put(&mut out, attribute);
    }
    out
}

/// The resource's attributes with the scope's name, version and attributes
/// added (`otel.scope.name`, `otel.scope.version`).
pub fn with_scope(resource: &Map<String, Value>, scope: Option<InstrumentationScope>) -> Map<String, Value> {
    let mut scoped = resource.clone();
    if let Some(scope) = scope {
        if !scope.name.is_empty() {
            scoped.insert("otel.scope.name".into(), Value::String(scope.name));
        }
        if !scope.version.is_empty() {
            scoped.insert("otel.scope.version".into(), Value::String(scope.version));
        }
        for attribute in scope.attributes {
            put(&mut scoped, attribute);
        }
    }
    scoped
}

/// The service a resource names (`unknown_service` when it names none, as
/// the SDKs say).
pub fn service_of(resource: &Map<String, Value>) -> String {
    text_of(resource, "service.name")
        .unwrap_or("unknown_service")
        .to_string()
}
