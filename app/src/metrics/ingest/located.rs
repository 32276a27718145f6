//! Streaming with a location: records are read through a small visitor that
//! remembers the list, index and field it is in, so a parse error names the
//! record and field even when the JSON itself is malformed (a number like
//! `1e999`, a truncated string).

use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{IngestError, MAX_RECORDS};

/// Where the reader is, so a parse error can name the record and field.
#[derive(Default)]
pub(super) struct Place {
    list: Cell<Option<&'static str>>,
    index: Cell<Option<usize>>,
    field: RefCell<Option<String>>,
    records: Cell<usize>,
    /// A problem found by the reader itself (not a JSON syntax error).
    problem: RefCell<Option<String>>,
}

impl Place {
    fn fail<E: de::Error>(&self, message: String) -> E {
        *self.problem.borrow_mut() = Some(message.clone());
        E::custom(message)
    }

    pub(super) fn error(&self, error: &serde_json::Error) -> IngestError {
        let field = self.field.borrow().clone();
        let list = self.list.get();
        let record = self.index.get();
        let detail = self
            .problem
            .borrow()
            .clone()
            .unwrap_or_else(|| format!("invalid JSON: {error}"));
        let error = match (list, record, &field) {
            (Some(list), Some(index), Some(field)) => format!("{list}[{index}].{field}: {detail}"),
            (Some(list), Some(index), None) => format!("{list}[{index}]: {detail}"),
            (_, _, Some(field)) => format!("{field}: {detail}"),
            _ => detail,
        };
        IngestError {
            error,
            record,
            field,
            list,
        }
    }
}

pub(super) type Records = Vec<Map<String, Value>>;

/// The JSON body: an object with optional `requests` and `samples` lists.
pub(super) struct BodySeed<'a>(pub(super) &'a Place);

impl<'de> DeserializeSeed<'de> for BodySeed<'_> {
    type Value = (Records, Records);

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BodySeed<'_> {
    type Value = (Records, Records);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with \"requests\" and/or \"samples\" lists")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let place = self.0;
        let (mut requests, mut samples) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            let (slot, list) = match key.as_str() {
                "requests" => (&mut requests, "requests"),
                "samples" => (&mut samples, "samples"),
                _ => {
                    *place.field.borrow_mut() = Some(key.clone());
                    return Err(
                        place.fail("is not a field of the body (expected \"requests\" and/or \"samples\")".into())
                    );
                }
            };
            if slot.is_some() {
                *place.field.borrow_mut() = Some(key.clone());
                return Err(place.fail("appears twice".into()));
            }
            place.list.set(Some(list));
            *slot = Some(map.next_value_seed(ListSeed(place))?);
            place.list.set(None);
        }
        Ok((requests.unwrap_or_default(), samples.unwrap_or_default()))
    }
}

/// One list of records; counts them against [`MAX_RECORDS`] as it goes.
struct ListSeed<'a>(&'a Place);

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = Records;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = Records;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let place = self.0;
        let mut records = Vec::new();
        loop {
            place.index.set(Some(records.len()));
            let Some(record) = seq.next_element_seed(RecordSeed(place))? else {
                break;
            };
            place.records.set(place.records.get() + 1);
            if place.records.get() > MAX_RECORDS {
                return Err(place.fail(format!("a batch holds at most {MAX_RECORDS} records")));
            }
            records.push(record);
        }
        place.index.set(None);
        Ok(records)
    }
}

/// One record: an object whose values are kept as JSON for validation.
pub(super) struct RecordSeed<'a>(pub(super) &'a Place);

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Map<String, Value>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let place = self.0;
        let mut record = Map::new();
        *place.field.borrow_mut() = None;
        while let Some(key) = map.next_key::<String>()? {
            *place.field.borrow_mut() = Some(key.clone());
            let value: Value = map.next_value()?;
            if record.contains_key(&key) {
                return Err(place.fail("appears twice".into()));
            }
            record.insert(key, value);
            *place.field.borrow_mut() = None;
        }
        Ok(record)
    }
}
