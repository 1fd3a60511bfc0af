//! Evaluations kept as evidence, on every engine: stored whole, checked, listed newest first,
//! never changed, verified, and keeping their system from deletion.

mod engines;

use engines::tamper;

use aims_domain::evaluation::{EvaluationKind, InputFile, NewEvaluation, Verdict};
use aims_domain::inventory::{SystemFields, parse_new};
use aims_store::{Actor, Problem, StoreError};
use serde_json::json;

fn drift(verdict: Verdict) -> NewEvaluation {
    NewEvaluation {
        kind: EvaluationKind::Drift,
        inputs: ["train.csv", "today.csv"]
            .map(|name| InputFile {
                name: name.into(),
                sha256: "0f".repeat(32),
                bytes: 1234,
            })
            .to_vec(),
        parameters: json!({"bins": 10, "psi_alarm": 0.25}),
        tool_version: "aims 0.1.0".into(),
        result: json!({"columns": [{"name": "income", "psi": 0.31, "verdict": "alarm"}], "drifted_share": 1.0}),
        verdict: Some(verdict),
    }
}

#[tokio::test]
async fn evaluations_are_kept_as_evidence() {
    let engines = engines::open_all().await;
    for engine in engines.names() {
        let (store, url) = engines.fresh_with_url(engine, "evaluations").await;
        let actor = Actor::system("aims eval");
        let org = store.create_organisation(&actor, "Org").await.unwrap().id;
        let fields: SystemFields = parse_new(json!({"name": "Credit model"})).unwrap();
        let sys = store.create_record(&actor, org, fields).await.unwrap().id;

        let first = store
            .create_evaluation(&actor, org, sys, drift(Verdict::Ok))
            .await
            .unwrap();
        let second = store
            .create_evaluation(&actor, org, sys, drift(Verdict::Alarm))
            .await
            .unwrap();
        assert_eq!(
            second.fields,
            drift(Verdict::Alarm),
            "{engine}: stored whole"
        );
        let listed = store.evaluations(org, sys).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed[0].created_at >= listed[1].created_at, "newest first");
        assert_eq!(store.evaluation(org, first.id).await.unwrap(), first);

        let mut bad = drift(Verdict::Ok);
        bad.inputs.truncate(1);
        let err = store
            .create_evaluation(&actor, org, sys, bad)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        assert!(matches!(
            store
                .create_evaluation(&actor, org, uuid::Uuid::new_v4(), drift(Verdict::Ok))
                .await,
            Err(StoreError::NotFound { .. })
        ));
        let err = store
            .delete_record::<SystemFields>(&actor, org, sys, None)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("evaluation"), "{err}");
        assert!(store.verify_ledger(Vec::new()).await.unwrap().ok);

        tamper(
            &url,
            &format!(
                "UPDATE evaluations SET verdict = 'ok' WHERE id = '{}'",
                second.id
            ),
        )
        .await;
        let failure = store
            .verify_ledger(Vec::new())
            .await
            .unwrap()
            .failure
            .unwrap();
        assert_eq!(failure.problem, Problem::RecordEdited, "{engine}");
        assert_eq!(failure.record_kind.as_deref(), Some("evaluation"));
    }
}
