//! EU AI Act classifications of the demo's AI systems, with the answers their owners would
//! give: a people counter and two internal tools at minimal risk, a bought chat assistant
//! with transparency duties, and a credit scoring model that is high-risk, classified twice.

use aims_domain::eu_ai_act::Answers;
use aims_store::{Actor, Store};
use anyhow::Context;
use chrono::NaiveDate;
use serde_json::{Value, json};
use uuid::Uuid;

/// One saved classification of a demo system.
struct Version {
    assessed_on: &'static str,
    answers: Value,
    note: &'static str,
}

/// Answers for an AI system in scope that engages in no prohibited practice and is not an
/// Annex I product, with `extra` on top. `roles` decides which provider questions are asked.
fn screened(roles: &[&str], extra: Value) -> Value {
    let mut answers = json!({
        "roles": roles,
        "ai_system": true,
        "scope_exclusion": "none",
        "prohibited_manipulation": false,
        "prohibited_exploiting_vulnerabilities": false,
        "prohibited_social_scoring": false,
        "prohibited_crime_prediction": false,
        "prohibited_face_scraping": false,
        "prohibited_emotion_recognition": false,
        "prohibited_biometric_categorisation": false,
        "prohibited_realtime_rbi": false,
        "annex_i_product": false,
        "annex_iii_areas": ["none"],
        "interacts_with_people": false,
        "generates_synthetic_content": false,
        "emotion_or_biometric_categorisation": false,
    });
    if roles.contains(&"provider") {
        answers["provider_outside_eu"] = json!(false);
        answers["gpai_model"] = json!(false);
    }
    if let (Some(all), Some(extra)) = (answers.as_object_mut(), extra.as_object()) {
        all.extend(extra.clone());
    }
    answers
}

/// The versions of a demo system, oldest first, by its name.
fn versions(name: &str) -> Vec<Version> {
    let built_and_used = ["provider", "deployer"];
    match name {
        "Entrance person detector" => vec![Version {
            assessed_on: "2025-05-12",
            answers: screened(&built_and_used, json!({})),
            note: "It counts people and never establishes who they are, so it is not remote biometric identification (Annex III point 1). Re-assess before any use for access control.",
        }],
        "Consumer credit scoring" => vec![
            Version {
                assessed_on: "2025-02-03",
                answers: screened(
                    &built_and_used,
                    json!({
                        "annex_iii_areas": ["essential_services"],
                        "essential_services_use": ["creditworthiness"],
                        "exception_6_3": ["preparatory_task"],
                        "profiling": true,
                        "deployer_type": "other",
                    }),
                ),
                note: "The team argued that the score only prepares the credit officer's decision (Art. 6(3)(d)), but the model profiles applicants, so the exception cannot apply.",
            },
            Version {
                assessed_on: "2025-09-15",
                answers: screened(
                    &built_and_used,
                    json!({
                        "annex_iii_areas": ["essential_services"],
                        "essential_services_use": ["creditworthiness"],
                        "exception_6_3": ["none"],
                        "deployer_type": "other",
                    }),
                ),
                note: "Re-assessed for the credit-pd-gbm 2024.11 release; still high-risk. The fundamental rights impact assessment is due before the next release (Art. 27).",
            },
        ],
        "Customer service assistant" => vec![Version {
            assessed_on: "2025-06-20",
            answers: screened(
                &["deployer"],
                json!({
                    "interacts_with_people": true,
                    "generates_synthetic_content": true,
                    "deep_fake": false,
                    "public_interest_text": false,
                }),
            ),
            note: "Parlant AI, as provider, designs the disclosure and marks the outputs (Art. 50(1) and (2)); the contract review checked both. Our part is AI literacy of the support agents.",
        }],
        "Internal document classifier" => vec![Version {
            assessed_on: "2025-04-07",
            answers: screened(&built_and_used, json!({})),
            note: "Routes mail to back-office queues; no decision about a customer is taken from it.",
        }],
        "Card fraud alert triage" => vec![Version {
            assessed_on: "2025-10-01",
            answers: screened(&built_and_used, json!({})),
            note: "Systems used only to detect financial fraud are outside Annex III point 5(b). Re-assess if the ranking starts to block cards on its own.",
        }],
        _ => Vec::new(),
    }
}

/// Classifies each demo system by name; systems the demo does not describe are left as they
/// are.
pub async fn seed(
    store: &Store,
    actor: &Actor,
    org: Uuid,
    systems: &[(Uuid, &str)],
) -> anyhow::Result<()> {
    for (id, name) in systems {
        for version in versions(name) {
            let answers: Answers = serde_json::from_value(version.answers)
                .with_context(|| format!("demo answers for `{name}`"))?;
            let assessed_on: NaiveDate = version
                .assessed_on
                .parse()
                .with_context(|| format!("demo date for `{name}`"))?;
            store
                .classify_system(actor, org, *id, answers, version.note, assessed_on)
                .await
                .with_context(|| format!("classifying the demo system `{name}`"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use aims_domain::eu_ai_act::Tier;
    use aims_domain::inventory::{EuAiActTier, SystemFields, parse_new};

    use super::*;

    #[tokio::test]
    async fn the_demo_systems_get_believable_tiers() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!(
            "sqlite://{}",
            dir.path().join("demo.db").display()
        ))
        .await
        .unwrap();
        let actor = Actor::system("demo");
        let org = store.create_organisation(&actor, "Demo").await.unwrap().id;
        let names = [
            "Entrance person detector",
            "Consumer credit scoring",
            "Customer service assistant",
            "Internal document classifier",
            "Card fraud alert triage",
            "Something the demo does not describe",
        ];
        let mut systems = Vec::new();
        for name in names {
            let fields: SystemFields = parse_new(json!({"name": name})).unwrap();
            systems.push((
                store.create_record(&actor, org, fields).await.unwrap().id,
                name,
            ));
        }
        seed(&store, &actor, org, &systems).await.unwrap();

        let latest = store.latest_classifications(org).await.unwrap();
        let tier_of = |i: usize| latest.get(&systems[i].0).map(|c| c.result.tier);
        assert_eq!(tier_of(0), Some(Tier::Minimal));
        assert_eq!(tier_of(1), Some(Tier::HighRisk));
        assert_eq!(tier_of(2), Some(Tier::Transparency));
        assert_eq!(tier_of(3), Some(Tier::Minimal));
        assert_eq!(tier_of(4), Some(Tier::Minimal));
        assert_eq!(tier_of(5), None, "unknown systems are left alone");

        let credit = store.classifications(org, systems[1].0).await.unwrap();
        assert_eq!(credit.len(), 2, "classified twice");
        assert_eq!(
            credit[1].result.tier,
            Tier::HighRisk,
            "profiling voids Art. 6(3)"
        );
        assert!(
            credit[0]
                .result
                .obligations
                .iter()
                .any(|o| o == "deployer.fria")
        );
        let assistant = &latest[&systems[2].0].result;
        assert!(
            !assistant
                .obligations
                .iter()
                .any(|o| o.starts_with("transparency."))
        );
        let record = store
            .record::<SystemFields>(org, systems[2].0)
            .await
            .unwrap();
        assert_eq!(record.fields.eu_ai_act_tier, EuAiActTier::Transparency);
        assert!(store.verify_ledger(Vec::new()).await.unwrap().ok);
    }
}
