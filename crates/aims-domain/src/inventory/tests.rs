//! Tests of the inventory descriptors and of create/patch parsing.

use serde_json::json;

use super::*;

/// The descriptor table and the serde struct of each kind name the same fields, and
/// every choice value parses, so forms, storage and API agree.
#[test]
fn descriptors_match_structs() {
    fn keys<F: RecordFields + Default>() -> Vec<String> {
        let Value::Object(map) = serde_json::to_value(F::default()).unwrap() else {
            panic!()
        };
        map.keys().cloned().collect()
    }
    fn check<F: RecordFields + Default>() {
        let mut described: Vec<String> = F::KIND
            .fields()
            .iter()
            .map(|f| f.name.to_string())
            .collect();
        let mut actual = keys::<F>();
        described.sort();
        actual.sort();
        assert_eq!(described, actual, "{:?}", F::KIND);
        for col in F::KIND.sortable().iter().chain(F::KIND.filterable()) {
            let is_meta = ["created_at", "updated_at"].contains(col);
            assert!(
                is_meta || F::KIND.field(col).is_some(),
                "{col} of {:?}",
                F::KIND
            );
        }
    }
    check::<SystemFields>();
    check::<ModelFields>();
    check::<DatasetFields>();
    check::<SupplierFields>();
}

/// Every choice value is the serde name of its variant, in both directions.
#[test]
fn choices_round_trip_through_serde() {
    fn check<
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug + Copy,
    >(
        all: &[T],
        choices: &[Choice],
        as_str: fn(T) -> &'static str,
    ) {
        assert_eq!(all.len(), choices.len());
        for (variant, choice) in all.iter().zip(choices) {
            assert_eq!(serde_json::to_value(variant).unwrap(), json!(choice.value));
            assert_eq!(
                serde_json::from_value::<T>(json!(choice.value)).unwrap(),
                *variant
            );
            assert_eq!(as_str(*variant), choice.value);
        }
    }
    check(AiRole::ALL, AiRole::CHOICES, AiRole::as_str);
    check(
        LifecycleStage::ALL,
        LifecycleStage::CHOICES,
        LifecycleStage::as_str,
    );
    check(Criticality::ALL, Criticality::CHOICES, Criticality::as_str);
    check(EuAiActTier::ALL, EuAiActTier::CHOICES, EuAiActTier::as_str);
    check(SupplyKind::ALL, SupplyKind::CHOICES, SupplyKind::as_str);
    check(
        DueDiligenceStatus::ALL,
        DueDiligenceStatus::CHOICES,
        DueDiligenceStatus::as_str,
    );
}

#[test]
fn list_filters_are_checked_by_field_kind() {
    use crate::listing::RawListParams;
    let kind = RecordKind::Dataset;
    let ok = kind
        .list_query(
            &RawListParams::default(),
            &[("personal_data".into(), "true".into())],
        )
        .unwrap();
    assert_eq!(ok.filters, vec![("personal_data", "true".to_string())]);
    let bad = [("supplier_id", "null"), ("personal_data", "yes")];
    for (column, value) in bad {
        let err = kind
            .list_query(&RawListParams::default(), &[(column.into(), value.into())])
            .unwrap_err();
        assert_eq!(err.0[0].field, column, "{value}");
    }
    let err = RecordKind::System
        .list_query(
            &RawListParams::default(),
            &[("lifecycle_stage".into(), "launched".into())],
        )
        .unwrap_err();
    assert!(err.0[0].message.contains("concept"), "{}", err.0[0].message);
    let twice = [
        ("lifecycle_stage".to_string(), "design".to_string()),
        ("lifecycle_stage".to_string(), "concept".to_string()),
    ];
    let err = RecordKind::System
        .list_query(&RawListParams::default(), &twice)
        .unwrap_err();
    assert_eq!(err.0[0].message, "is given more than once");
}

#[test]
fn create_needs_only_a_name() {
    let system: SystemFields = parse_new(json!({"name": "Person detector"})).unwrap();
    assert_eq!(system.name, "Person detector");
    assert_eq!(system.lifecycle_stage, LifecycleStage::Concept);
    assert_eq!(system.eu_ai_act_tier, EuAiActTier::Unassessed);
}

#[test]
fn create_errors_name_the_field() {
    let err = parse_new::<SystemFields>(json!({"description": "x"})).unwrap_err();
    assert_eq!(err.0[0].field, "name");
    assert_eq!(err.0[0].message, "is required");

    let err =
        parse_new::<SystemFields>(json!({"name": "x", "lifecycle_stage": "launched"})).unwrap_err();
    assert_eq!(err.0[0].field, "lifecycle_stage");
    assert!(
        err.0[0].message.contains("unknown variant `launched`"),
        "{}",
        err.0[0].message
    );

    let err = parse_new::<SystemFields>(json!({"name": "x", "affected_stakeholders": ["ok", 3]}))
        .unwrap_err();
    assert_eq!(err.0[0].field, "affected_stakeholders[1]");

    let err = parse_new::<SystemFields>(
        json!({"name": "x", "colour": "red", "eu_ai_act_tier": "minimal"}),
    )
    .unwrap_err();
    let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["colour", "eu_ai_act_tier"]);

    let err = parse_new::<SystemFields>(json!(["not", "an", "object"])).unwrap_err();
    assert_eq!(err.0[0].message, "expected a JSON object");

    let err = parse_new::<SystemFields>(json!({"name": "   "})).unwrap_err();
    assert_eq!(err.0[0].field, "name");
}

#[test]
fn patch_keeps_what_it_does_not_name() {
    let current: SystemFields =
        parse_new(json!({"name": "Credit scoring", "owner": "Risk analytics"})).unwrap();
    let patch = json!({"owner": "Model risk", "revision": 3});
    let updated = apply_patch(&current, patch.as_object().unwrap(), &["revision"]).unwrap();
    assert_eq!(updated.name, "Credit scoring");
    assert_eq!(updated.owner, "Model risk");

    let err = apply_patch(&current, json!({"name": null}).as_object().unwrap(), &[]).unwrap_err();
    assert_eq!(err.0[0].field, "name");
}

#[test]
fn dataset_rules() {
    let err = parse_new::<DatasetFields>(json!({
        "name": "Faces", "collection_start": "2024-05-01", "collection_end": "2024-01-01",
        "special_category_data": true
    }))
    .unwrap_err();
    let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["collection_end", "personal_data"]);

    let err = parse_new::<DatasetFields>(json!({"name": "x", "collection_start": "2024-13-01"}))
        .unwrap_err();
    assert_eq!(err.0[0].field, "collection_start");
}

#[test]
fn model_references_are_read_off_the_fields() {
    let system = Uuid::new_v4();
    let data = Uuid::new_v4();
    let model: ModelFields = parse_new(json!({
        "name": "yolo", "system_id": system, "training_dataset_ids": [data],
        "headline_metrics": {"mAP": 0.61}
    }))
    .unwrap();
    assert_eq!(
        references(&model),
        vec![
            ("system_id", RecordKind::System, system),
            ("training_dataset_ids", RecordKind::Dataset, data)
        ]
    );
}

#[test]
fn supplier_email_and_duplicates() {
    let err = parse_new::<SupplierFields>(
        json!({"name": "Acme", "contact_email": "nope", "supplies": ["models", "models"]}),
    )
    .unwrap_err();
    let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["contact_email", "supplies[1]"]);
}
