//! SLOs as YAML: an export reads back through import unchanged; an edited
//! file updates by name and creates what is new (with its burn-rate rules),
//! audited; a file with any problem stores nothing.

use app::auth::permissions::Role;

use crate::helpers::TestApp;

#[tokio::test]
async fn slos_round_trip_through_yaml_and_a_bad_file_stores_nothing() {
    let app = TestApp::spawn().await;
    let (operator, _) = app.signed_in(Role::Operator).await;
    let form = [
        ("slo[name]", "Pay"),
        ("slo[service]", "pay"),
        ("slo[kind]", "availability"),
        ("slo[good_statuses]", "200-399"),
        ("slo[objective]", "99.5"),
        ("slo[window]", "7d"),
    ];
    assert_eq!(operator.post_fn("/api/slos/save", &form).await.status().as_u16(), 200);
    let exported: String = operator
        .post_fn("/api/slos/export", &[])
        .await
        .json()
        .await
        .expect("yaml");
    assert!(
        exported.contains("kind: opsdeck/slos") && exported.contains("goodStatuses:"),
        "{exported}"
    );

    let import = |yaml: String| {
        let operator = &operator;
        async move {
            let response = operator.post_fn("/api/slos/import", &[("yaml", &yaml)]).await;
            (
                response.status().as_u16(),
                response.json::<serde_json::Value>().await.expect("json"),
            )
        }
    };
    let (status, counts) = import(exported.clone()).await;
    assert_eq!((status, counts["unchanged"].clone()), (200, 1.into()));

    let edited = exported.replace("targetPercent: 99.5", "targetPercent: 99.9")
        + "- name: Search latency\n  service: search\n  indicator:\n    kind: latency\n    thresholdMs: 300\n  objective:\n    targetPercent: 99\n  timeWindow:\n    duration: 1M\n    isRolling: false\n";
    let (status, counts) = import(edited).await;
    assert_eq!(status, 200, "{counts}");
    assert_eq!(
        (counts["created"].clone(), counts["updated"].clone()),
        (1.into(), 1.into())
    );
    assert_eq!(app.audit_entries("slo.import").await.len(), 2);
    let rules: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_rules WHERE aggregation = 'slo_burn_rate'")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(rules, 6, "the new SLO's three rules with the first's");

    // One bad SLO in the file: nothing of it is stored, and the problem names it.
    let bad = exported.replace("targetPercent: 99.5", "targetPercent: 42")
        + "- name: Broken\n  service: x\n  indicator: {kind: latency}\n  objective: {targetPercent: 99}\n  timeWindow: {duration: 7d, isRolling: true}\n";
    let (status, body) = import(bad).await;
    assert_eq!(status, 422);
    assert!(body.to_string().contains("Broken"), "{body}");
    let objectives: Vec<f64> =
        sqlx::query_scalar("SELECT (definition ->> 'objective')::float8 FROM slos ORDER BY name")
            .fetch_all(&app.db)
            .await
            .expect("slos");
    assert_eq!(objectives, vec![99.9, 99.0]);

    let (manager, _) = app.signed_in(Role::Manager).await;
    assert_eq!(manager.post_fn("/api/slos/export", &[]).await.status().as_u16(), 200);
    assert_eq!(
        manager
            .post_fn("/api/slos/import", &[("yaml", &exported)])
            .await
            .status()
            .as_u16(),
        403
    );
}
