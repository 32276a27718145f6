use super::form::SloForm;
use super::*;
use crate::testing::invalid_field;

fn draft() -> SloDraft {
    SloDraft {
        name: "Checkout availability".into(),
        description: String::new(),
        service: "checkout".into(),
        endpoint: None,
        kind: SloKind::Availability,
        good_statuses: None,
        threshold_ms: None,
        objective: 99.9,
        window: SloWindow::Rolling30,
    }
}

fn messages(result: Result<(), AppError>) -> FieldErrors {
    match result {
        Ok(()) => FieldErrors::default(),
        Err(error) => FieldErrors::from(error),
    }
}

#[test]
fn objectives_lie_strictly_between_0_and_100() {
    for (objective, ok) in [
        (99.9, true),
        (0.001, true),
        (99.999, true),
        (0.0, false),
        (100.0, false),
        (-5.0, false),
        (150.0, false),
        (f64::NAN, false),
        (f64::INFINITY, false),
    ] {
        let result = SloDraft { objective, ..draft() }.validate();
        assert_eq!(result.is_ok(), ok, "{objective}");
        if !ok {
            assert_eq!(invalid_field(result), "objective");
        }
    }
}

#[test]
fn latency_thresholds_stay_within_the_histograms_range() {
    let latency = |threshold_ms| SloDraft {
        kind: SloKind::Latency,
        threshold_ms,
        ..draft()
    };
    assert!(latency(Some(300.0)).validate().is_ok());
    assert!(latency(Some(MAX_THRESHOLD_MS)).validate().is_ok());
    for bad in [
        None,
        Some(0.0),
        Some(MIN_THRESHOLD_MS),
        Some(-1.0),
        Some(MAX_THRESHOLD_MS + 1.0),
        Some(f64::NAN),
    ] {
        assert_eq!(invalid_field(latency(bad).validate()), "threshold_ms", "{bad:?}");
    }
    let errors = messages(latency(Some(7_200_000.0)).validate());
    assert!(
        errors
            .get("threshold_ms")
            .is_some_and(|m| m.contains("histogram's range")),
        "{errors}"
    );
}

#[test]
fn each_kind_keeps_to_its_own_fields() {
    let both = SloDraft {
        threshold_ms: Some(100.0),
        ..draft()
    };
    assert_eq!(invalid_field(both.validate()), "threshold_ms");
    let statuses = SloDraft {
        kind: SloKind::Latency,
        threshold_ms: Some(100.0),
        good_statuses: Some("200".into()),
        ..draft()
    };
    assert_eq!(invalid_field(statuses.validate()), "good_statuses");
    let bad_set = SloDraft {
        good_statuses: Some("2xx".into()),
        ..draft()
    };
    assert_eq!(invalid_field(bad_set.validate()), "good_statuses");
}

#[test]
fn a_window_longer_than_its_history_is_kept_names_the_retention_to_raise() {
    let kept = Retention {
        raw_days: 7,
        rollup_days: 90,
    };
    assert!(draft().check_retention(kept).is_ok());
    let short = Retention {
        raw_days: 7,
        rollup_days: 14,
    };
    let errors = messages(draft().check_retention(short));
    let message = errors.get("window").expect("refused");
    assert!(message.contains("Rollups, per minute and per hour (days)"), "{message}");
    assert!(message.contains("OPSDECK_RETENTION_ROLLUP_DAYS"), "{message}");
    assert!(message.contains("at least 30"), "{message}");
    // A status set reads raw events, kept 7 days by default.
    let statuses = SloDraft {
        good_statuses: Some("200-399".into()),
        ..draft()
    };
    let message = messages(statuses.check_retention(kept));
    assert!(
        message
            .get("window")
            .is_some_and(|m| m.contains("OPSDECK_RETENTION_RAW_DAYS")),
        "{message}"
    );
    let week = SloDraft {
        window: SloWindow::Rolling7,
        ..statuses
    };
    assert!(week.check_retention(kept).is_ok(), "7 days kept hold a rolling week");
    assert!(
        week.check_retention(Retention {
            raw_days: 6,
            rollup_days: 90
        })
        .is_err()
    );
    let month = SloDraft {
        window: SloWindow::Month,
        ..draft()
    };
    assert!(
        month
            .check_retention(Retention {
                raw_days: 7,
                rollup_days: 30
            })
            .is_err(),
        "months have 31 days"
    );
}

#[test]
fn the_form_reports_every_wrong_field_at_once_and_keeps_what_was_typed() {
    let form = SloForm {
        name: String::new(),
        service: "checkout".into(),
        kind: "latency".into(),
        threshold_ms: "fast".into(),
        objective: "100".into(),
        window: "90d".into(),
        ..SloForm::blank()
    };
    let errors = FieldErrors::from(form.parse().expect_err("refused"));
    for field in ["name", "threshold_ms", "objective", "window"] {
        assert!(errors.get(field).is_some(), "{field}: {errors}");
    }
    let again = SloForm::from_query(|key| {
        form.fields()
            .into_iter()
            .find(|(name, _)| format!("slo[{name}]") == key)
            .map(|(_, value)| value)
            .or_else(|| (key == "slo[name]").then(String::new))
    });
    assert_eq!(again.as_ref(), Some(&form));
}

#[test]
fn the_form_reads_a_draft_back_unchanged() {
    let latency = SloDraft {
        kind: SloKind::Latency,
        threshold_ms: Some(250.5),
        endpoint: Some("/pay".into()),
        objective: 99.5,
        window: SloWindow::Month,
        ..draft()
    };
    for draft in [
        draft(),
        latency,
        SloDraft {
            good_statuses: Some("200-399, 404".into()),
            ..draft()
        },
    ] {
        assert_eq!(SloForm::from_draft(&draft).parse().as_ref(), Ok(&draft));
    }
    // A latency SLO ignores statuses left in the hidden field, and "99.9 %" reads.
    let form = SloForm {
        name: "x".into(),
        service: "s".into(),
        kind: "latency".into(),
        threshold_ms: "300".into(),
        good_statuses: "junk".into(),
        objective: "99.9%".into(),
        ..SloForm::blank()
    };
    let parsed = form.parse().expect("valid");
    assert_eq!((parsed.good_statuses, parsed.objective), (None, 99.9));
}

#[cfg(feature = "ssr")]
#[test]
fn the_threshold_range_is_the_histograms_and_the_ingests() {
    assert_eq!(MAX_THRESHOLD_MS, crate::metrics::ingest::MAX_DURATION_MS);
    assert_eq!(MIN_THRESHOLD_MS, crate::metrics::ssr::histogram::MIN_INDEXABLE_MS);
    assert_eq!(1.0 + LATENCY_BOUND, crate::metrics::ssr::histogram::GAMMA);
}
