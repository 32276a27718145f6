use super::*;

#[test]
fn names_round_trip() {
    for status in [RunStatus::Running, RunStatus::Succeeded, RunStatus::Failed] {
        assert_eq!(RunStatus::parse(status.as_str()), Some(status));
    }
    for trigger in [RunTrigger::Schedule, RunTrigger::Manual, RunTrigger::BeforeMigration] {
        assert_eq!(RunTrigger::parse(trigger.as_str()), Some(trigger));
        assert_eq!(
            serde_json::to_value(trigger).expect("json"),
            serde_json::json!(trigger.as_str())
        );
    }
    for kind in [CheckKind::Verify, CheckKind::RestoreTest, CheckKind::Restore] {
        assert_eq!(CheckKind::parse(kind.as_str()), Some(kind));
        assert_eq!(
            serde_json::to_value(kind).expect("json"),
            serde_json::json!(kind.as_str())
        );
    }
}

#[test]
fn bytes_read_like_people_write_them() {
    assert_eq!(human_bytes(512), "512 B");
    assert_eq!(human_bytes(12_345_678), "12.3 MB");
}

#[test]
fn evidence_reads_back_what_it_stored() {
    let evidence = Evidence {
        duration_ms: Some(12),
        differences: vec![CountDifference {
            table: "public.t".into(),
            expected: Some(3),
            actual: None,
        }],
        ..Evidence::default()
    };
    let json = serde_json::to_value(&evidence).expect("json");
    assert_eq!(serde_json::from_value::<Evidence>(json).expect("back"), evidence);
    assert_eq!(
        serde_json::from_value::<Evidence>(serde_json::json!({})).expect("empty"),
        Evidence::default()
    );
}
