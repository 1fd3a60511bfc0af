//! Tests of the EU AI Act questionnaire, the check of answers and the classification, on
//! worked examples and on random walks through the questionnaire.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::questions::{AREA_OPTIONS, EXCEPTION_OPTIONS, ROLE_OPTIONS};
use super::*;

/// Turns a JSON object into answers.
fn answers(value: Value) -> Answers {
    match value {
        Value::Object(map) => map.into_iter().collect(),
        other => panic!("expected an object, got {other}"),
    }
}

/// An AI system in scope, screened for every prohibited practice, neither an Annex I product
/// nor a trigger of Art. 50, with `extra` on top (a `null` in `extra` removes the answer).
fn screened(extra: Value) -> Answers {
    let mut all = answers(json!({
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
        "interacts_with_people": false,
        "generates_synthetic_content": false,
        "emotion_or_biometric_categorisation": false,
    }));
    for (key, value) in answers(extra) {
        if value.is_null() {
            all.remove(&key);
        } else {
            all.insert(key, value);
        }
    }
    all
}

fn classified(answers: &Answers) -> Classification {
    match classify(answers) {
        Ok(c) => c,
        Err(e) => panic!("classify failed: {e}"),
    }
}

fn refs(c: &Classification) -> Vec<&str> {
    c.obligations.iter().map(String::as_str).collect()
}

fn says(c: &Classification, part: &str) -> bool {
    c.rationale.iter().any(|s| s.contains(part))
}

/// The fields of the errors, in order.
fn error_fields(answers: &Answers) -> Vec<String> {
    match check_answers(answers) {
        Ok(()) => Vec::new(),
        Err(e) => e.0.into_iter().map(|e| e.field).collect(),
    }
}

fn error_for(answers: &Answers, field: &str) -> String {
    let errors = check_answers(answers).expect_err("answers should be rejected");
    match errors.for_field(field) {
        Some(e) => e.message.clone(),
        None => panic!("no error for {field}: {errors}"),
    }
}

// ------------------------------------------------------------------ the questionnaire

#[test]
fn the_questionnaire_is_well_formed() {
    let mut seen: Vec<&str> = Vec::new();
    for q in questionnaire() {
        assert!(!seen.contains(&q.id), "{} twice", q.id);
        assert!(
            q.id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{} is not a slug",
            q.id
        );
        assert!(!q.text.is_empty() && !q.help.is_empty(), "{}", q.id);
        if let QuestionKind::SingleChoice(options) | QuestionKind::MultipleChoice(options) = q.kind
        {
            for (i, o) in options.iter().enumerate() {
                assert!(
                    !options[..i].iter().any(|p| p.value == o.value),
                    "{}: {}",
                    q.id,
                    o.value
                );
            }
        }
        // A condition names only earlier questions, of the right kind and with real options.
        fn check(c: &Condition, seen: &[&str], owner: &str) {
            match *c {
                Condition::Is { question, .. } => {
                    assert!(seen.contains(&question), "{owner} names {question}");
                    assert_eq!(
                        super::question(question).map(|q| q.kind),
                        Some(QuestionKind::YesNo),
                        "{owner} names {question}"
                    );
                }
                Condition::Chose { question, option } => {
                    assert!(seen.contains(&question), "{owner} names {question}");
                    let options = match super::question(question).map(|q| q.kind) {
                        Some(QuestionKind::SingleChoice(o) | QuestionKind::MultipleChoice(o)) => o,
                        other => panic!("{owner} names {question}, a {other:?}"),
                    };
                    assert!(
                        options.iter().any(|o| o.value == option),
                        "{owner} names {question}={option}"
                    );
                }
                Condition::All(list) | Condition::Any(list) => {
                    for c in list {
                        check(c, seen, owner);
                    }
                }
            }
        }
        if let Some(c) = &q.shown_when {
            check(c, &seen, q.id);
        }
        seen.push(q.id);
    }
}

#[test]
fn enum_values_are_the_options_and_the_wire_names() {
    fn check<T: Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug + Copy>(
        all: &[T],
        as_str: fn(T) -> &'static str,
        parse: fn(&str) -> Option<T>,
    ) {
        for &v in all {
            assert_eq!(serde_json::to_value(v).unwrap(), json!(as_str(v)));
            assert_eq!(serde_json::from_value::<T>(json!(as_str(v))).unwrap(), v);
            assert_eq!(parse(as_str(v)), Some(v));
        }
    }
    check(Tier::ALL, Tier::as_str, Tier::parse);
    check(OperatorRole::ALL, OperatorRole::as_str, OperatorRole::parse);
    check(
        ProhibitedPractice::ALL,
        ProhibitedPractice::as_str,
        ProhibitedPractice::parse,
    );
    check(AnnexIiiArea::ALL, AnnexIiiArea::as_str, AnnexIiiArea::parse);
    check(
        Exception63Condition::ALL,
        Exception63Condition::as_str,
        Exception63Condition::parse,
    );
    check(
        TransparencyDuty::ALL,
        TransparencyDuty::as_str,
        TransparencyDuty::parse,
    );
    let area_values: Vec<&str> = AREA_OPTIONS
        .iter()
        .map(|o| o.value)
        .filter(|v| *v != "none")
        .collect();
    assert_eq!(
        area_values,
        AnnexIiiArea::ALL
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
    );
    let exception_values: Vec<&str> = EXCEPTION_OPTIONS
        .iter()
        .map(|o| o.value)
        .filter(|v| *v != "none")
        .collect();
    assert_eq!(
        exception_values,
        Exception63Condition::ALL
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
    );
    for o in ROLE_OPTIONS {
        assert!(
            o.value == "product_manufacturer" || OperatorRole::parse(o.value).is_some(),
            "{}",
            o.value
        );
    }
    assert_eq!(
        serde_json::to_value(HighRiskBasis::AnnexIII(AnnexIiiArea::EssentialServices)).unwrap(),
        json!({"annex_iii": "essential_services"})
    );
    assert_eq!(
        serde_json::to_value(HighRiskBasis::AnnexI).unwrap(),
        json!("annex_i")
    );
}

#[test]
fn the_questionnaire_serialises_and_has_a_schema() {
    let value = serde_json::to_value(questionnaire()).unwrap();
    assert_eq!(value[0]["id"], "roles");
    assert_eq!(value[0]["kind"]["multiple_choice"][0]["value"], "provider");
    let gpai = value
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "gpai_model")
        .unwrap();
    assert_eq!(
        gpai["shown_when"]["any"][0],
        json!({"chose": {"question": "roles", "option": "provider"}})
    );
    // The schemas of a recursive condition and of the outcome can be generated.
    let mut schemas = Vec::new();
    <Question as ToSchema>::schemas(&mut schemas);
    <Classification as ToSchema>::schemas(&mut schemas);
    let names: Vec<String> = schemas.iter().map(|(name, _)| name.clone()).collect();
    for name in ["Condition", "AnswerOption", "Tier", "HighRiskBasis"] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    let _ = <Condition as utoipa::PartialSchema>::schema();
}

#[test]
fn next_question_walks_one_step_at_a_time() {
    let mut a = Answers::new();
    let mut asked = Vec::new();
    let script: &[(&str, Value)] = &[
        ("roles", json!(["deployer"])),
        ("ai_system", json!(true)),
        ("scope_exclusion", json!("none")),
        ("prohibited_manipulation", json!(false)),
        ("prohibited_exploiting_vulnerabilities", json!(false)),
        ("prohibited_social_scoring", json!(false)),
        ("prohibited_crime_prediction", json!(false)),
        ("prohibited_face_scraping", json!(false)),
        ("prohibited_emotion_recognition", json!(false)),
        ("prohibited_biometric_categorisation", json!(false)),
        ("prohibited_realtime_rbi", json!(false)),
        ("annex_i_product", json!(false)),
        ("annex_iii_areas", json!(["none"])),
        ("interacts_with_people", json!(true)),
        ("generates_synthetic_content", json!(false)),
        ("emotion_or_biometric_categorisation", json!(false)),
    ];
    for (id, value) in script {
        let next = next_question(&a).expect("more questions");
        asked.push(next.id);
        a.insert((*id).to_owned(), value.clone());
    }
    assert_eq!(
        asked,
        script.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        "the provider, model, Art. 6(3), deployer type and deep fake questions are skipped"
    );
    assert_eq!(next_question(&a), None);
    check_answers(&a).unwrap();
    // An invalid answer is asked again.
    a.insert("annex_i_product".into(), json!("no"));
    assert_eq!(next_question(&a).map(|q| q.id), Some("annex_i_product"));
}

// ------------------------------------------------------------------- worked examples

#[test]
fn a_spam_filter_is_minimal_risk_with_ai_literacy_only() {
    let c = classified(&screened(json!({
        "roles": ["deployer"],
        "annex_iii_areas": ["none"],
    })));
    assert_eq!(c.tier, Tier::Minimal);
    assert_eq!(c.roles, [OperatorRole::Deployer]);
    assert!(c.high_risk_basis.is_empty());
    assert!(c.transparency.is_empty());
    assert_eq!(c.gpai, None);
    assert_eq!(c.exception_6_3, None);
    assert_eq!(refs(&c), ["general.ai-literacy"]);
    assert!(says(&c, "minimal-risk system"));
    assert!(says(&c, "(Art. 4)"));
}

#[test]
fn a_person_detector_for_building_access_is_high_risk_only_when_it_identifies_people() {
    // It detects that someone is at the door and opens it for a badge holder: no one is
    // identified from their biometric features, so no Annex III area applies.
    let detector = classified(&screened(json!({
        "roles": ["deployer"],
        "annex_iii_areas": ["none"],
    })));
    assert_eq!(detector.tier, Tier::Minimal);
    assert!(detector.high_risk_basis.is_empty());
    assert_eq!(refs(&detector), ["general.ai-literacy"]);
    assert!(says(
        &detector,
        "It is used in none of the areas of Annex III, so Art. 6(2) does not apply."
    ));
    assert!(says(&detector, "so Art. 6(1) does not apply"));

    // The same cameras recognise enrolled staff by their faces, without them claiming an
    // identity: remote biometric identification, Annex III point 1.
    let identifier = classified(&screened(json!({
        "roles": ["deployer"],
        "annex_iii_areas": ["biometrics"],
        "exception_6_3": ["none"],
        "deployer_type": "other",
    })));
    assert_eq!(identifier.tier, Tier::HighRisk);
    assert_eq!(
        identifier.high_risk_basis,
        [HighRiskBasis::AnnexIII(AnnexIiiArea::Biometrics)]
    );
    assert_eq!(identifier.roles, [OperatorRole::Deployer]);
    assert!(says(
        &identifier,
        "It is intended for use in biometrics (remote identification of people, categorisation by sensitive attributes or emotion recognition), listed in Annex III point 1 (Art. 6(2))."
    ));
    assert!(says(&identifier, "high-risk AI system (Art. 6)"));
    assert!(says(
        &identifier,
        "needs no fundamental rights impact assessment"
    ));
    assert_eq!(
        refs(&identifier),
        [
            "general.ai-literacy",
            "value-chain.responsibilities",
            "deployer.use-per-instructions",
            "deployer.human-oversight",
            "deployer.input-data",
            "deployer.monitoring",
            "deployer.log-retention",
            "deployer.worker-information",
            "deployer.dpia",
            "deployer.affected-person-notice",
            "deployer.authority-cooperation",
            "deployer.explanation",
        ]
    );
}

#[test]
fn a_credit_scoring_model_built_and_used_by_a_bank_needs_a_fria() {
    let c = classified(&screened(json!({
        "roles": ["provider", "deployer"],
        "provider_outside_eu": false,
        "gpai_model": false,
        "annex_iii_areas": ["essential_services"],
        "essential_services_use": ["creditworthiness"],
        "exception_6_3": ["none"],
        "deployer_type": "other",
    })));
    assert_eq!(c.tier, Tier::HighRisk);
    assert_eq!(
        c.high_risk_basis,
        [HighRiskBasis::AnnexIII(AnnexIiiArea::EssentialServices)]
    );
    assert_eq!(c.roles, [OperatorRole::Provider, OperatorRole::Deployer]);
    assert_eq!(c.exception_6_3, None);
    assert!(c.transparency.is_empty());
    assert!(says(&c, "Annex III point 5(b)"));
    assert!(says(&c, "None of the conditions of Art. 6(3) describes it"));
    assert!(says(
        &c,
        "Because it scores creditworthiness or prices life or health insurance"
    ));
    assert_eq!(
        refs(&c),
        [
            "general.ai-literacy",
            "provider.classification",
            "provider.risk-management",
            "provider.data-governance",
            "provider.technical-documentation",
            "provider.record-keeping",
            "provider.log-retention",
            "provider.transparency",
            "provider.human-oversight",
            "provider.accuracy-robustness-cybersecurity",
            "provider.quality-management",
            "provider.documentation-keeping",
            "provider.corrective-actions",
            "provider.authority-cooperation",
            "provider.conformity-assessment",
            "provider.declaration-of-conformity",
            "provider.ce-marking",
            "provider.registration",
            "provider.accessibility",
            "provider.post-market-monitoring",
            "provider.incident-reporting",
            "value-chain.responsibilities",
            "deployer.use-per-instructions",
            "deployer.human-oversight",
            "deployer.input-data",
            "deployer.monitoring",
            "deployer.log-retention",
            "deployer.worker-information",
            "deployer.dpia",
            "deployer.affected-person-notice",
            "deployer.authority-cooperation",
            "deployer.fria",
            "deployer.explanation",
        ]
    );
}

#[test]
fn a_bought_customer_service_chatbot_leaves_the_disclosure_to_its_provider() {
    let c = classified(&screened(json!({
        "roles": ["deployer"],
        "annex_iii_areas": ["none"],
        "interacts_with_people": true,
    })));
    assert_eq!(c.tier, Tier::Transparency);
    assert_eq!(c.transparency, [TransparencyDuty::Interaction]);
    assert!(c.high_risk_basis.is_empty());
    assert_eq!(refs(&c), ["general.ai-literacy"]);
    assert!(says(
        &c,
        "is the provider's duty (Art. 50(1)), not the deployer's"
    ));
    assert!(says(
        &c,
        "its tier is set by its transparency duties (Art. 50)"
    ));

    // Its vendor, classifying the same system, carries the disclosure.
    let vendor = classified(&screened(json!({
        "roles": ["provider"],
        "provider_outside_eu": false,
        "gpai_model": false,
        "annex_iii_areas": ["none"],
        "interacts_with_people": true,
    })));
    assert_eq!(vendor.tier, Tier::Transparency);
    assert_eq!(
        refs(&vendor),
        ["general.ai-literacy", "transparency.interaction"]
    );
}

#[test]
fn transparency_duties_stack_on_a_high_risk_tier() {
    // A tutoring assistant that chats with pupils and grades their work, from a provider
    // outside the Union.
    let c = classified(&screened(json!({
        "roles": ["provider"],
        "provider_outside_eu": true,
        "gpai_model": false,
        "annex_iii_areas": ["education"],
        "exception_6_3": ["none"],
        "interacts_with_people": true,
        "generates_synthetic_content": true,
        "deep_fake": false,
        "public_interest_text": false,
    })));
    assert_eq!(c.tier, Tier::HighRisk);
    assert_eq!(
        c.transparency,
        [
            TransparencyDuty::Interaction,
            TransparencyDuty::SyntheticContent
        ]
    );
    assert!(says(&c, "its Art. 50 duties apply in addition"));
    assert!(says(&c, "authorised representative in the Union (Art. 22)"));
    let r = refs(&c);
    assert!(r.contains(&"provider.authorised-representative"));
    assert!(r.contains(&"provider.registration"));
    assert!(r.ends_with(&[
        "transparency.interaction",
        "transparency.synthetic-content-marking"
    ]));
    assert!(!r.iter().any(|o| o.starts_with("deployer.")));
}

#[test]
fn a_social_scoring_system_is_prohibited_whatever_else_it_is() {
    let a = answers(json!({
        "roles": ["provider", "deployer"],
        "provider_outside_eu": false,
        "gpai_model": false,
        "ai_system": true,
        "scope_exclusion": "none",
        "prohibited_manipulation": false,
        "prohibited_exploiting_vulnerabilities": false,
        "prohibited_social_scoring": true,
        "prohibited_crime_prediction": false,
        "prohibited_face_scraping": false,
        "prohibited_emotion_recognition": false,
        "prohibited_biometric_categorisation": false,
        "prohibited_realtime_rbi": false,
    }));
    let c = classified(&a);
    assert_eq!(c.tier, Tier::Prohibited);
    assert_eq!(c.prohibited_practices, [ProhibitedPractice::SocialScoring]);
    assert!(c.high_risk_basis.is_empty());
    assert!(c.transparency.is_empty());
    assert_eq!(refs(&c), ["prohibited.social-scoring"]);
    assert!(says(&c, "which Art. 5(1)(c) prohibits"));
    assert!(says(
        &c,
        "A prohibited practice outweighs every other finding"
    ));

    // Nothing asked after the prohibition can change the outcome, so it is not asked.
    let mut more = a.clone();
    more.insert("annex_iii_areas".into(), json!(["essential_services"]));
    more.insert("interacts_with_people".into(), json!(true));
    assert_eq!(
        error_fields(&more),
        ["answers.annex_iii_areas", "answers.interacts_with_people"]
    );
}

#[test]
fn real_time_biometric_identification_under_an_exception_is_high_risk() {
    let base = json!({
        "roles": ["deployer"],
        "prohibited_realtime_rbi": true,
        "realtime_rbi_exception": true,
        "annex_iii_areas": ["biometrics", "law_enforcement"],
        "exception_6_3": ["none"],
        "deployer_type": "public_body",
    });
    let c = classified(&screened(base.clone()));
    assert_eq!(c.tier, Tier::HighRisk);
    assert!(c.prohibited_practices.is_empty());
    assert!(says(&c, "limited to an exception of Art. 5(1)(h)"));
    let r = refs(&c);
    assert!(r.contains(&"deployer.registration") && r.contains(&"deployer.fria"));

    let without = screened(json!({
        "roles": ["deployer"],
        "prohibited_realtime_rbi": true,
        "realtime_rbi_exception": false,
        "annex_i_product": null,
        "interacts_with_people": null,
        "generates_synthetic_content": null,
        "emotion_or_biometric_categorisation": null,
    }));
    let c = classified(&without);
    assert_eq!(c.tier, Tier::Prohibited);
    assert_eq!(
        refs(&c),
        ["prohibited.realtime-remote-biometric-identification"]
    );

    let mut unlisted = screened(base);
    unlisted.insert("annex_iii_areas".into(), json!(["law_enforcement"]));
    assert!(error_for(&unlisted, "answers.annex_iii_areas").contains("must include biometrics"));
}

#[test]
fn the_art_6_3_exception_holds_unless_the_system_profiles_people() {
    // A CV parser that turns applications into structured records for recruiters.
    let claim = |profiling: bool| {
        screened(json!({
            "roles": ["provider"],
            "provider_outside_eu": false,
            "gpai_model": false,
            "annex_iii_areas": ["employment"],
            "exception_6_3": ["narrow_procedural_task", "preparatory_task"],
            "profiling": profiling,
        }))
    };
    let valid = classified(&claim(false));
    assert_eq!(valid.tier, Tier::Minimal);
    assert_eq!(
        valid.high_risk_basis,
        [HighRiskBasis::AnnexIII(AnnexIiiArea::Employment)]
    );
    assert_eq!(
        valid.exception_6_3,
        Some(Exception63 {
            conditions: vec![
                Exception63Condition::NarrowProceduralTask,
                Exception63Condition::PreparatoryTask
            ],
            documented_reason_required: true,
        })
    );
    assert_eq!(
        refs(&valid),
        ["general.ai-literacy", "provider.classification"]
    );
    assert!(says(
        &valid,
        "It only performs a narrow procedural task and performs a preparatory task and does not profile people"
    ));

    let voided = classified(&claim(true));
    assert_eq!(voided.tier, Tier::HighRisk);
    assert_eq!(voided.exception_6_3, None);
    assert!(says(
        &voided,
        "It profiles natural persons, so the exception of Art. 6(3) cannot apply"
    ));
    assert_eq!(
        refs(&voided),
        [
            "general.ai-literacy",
            "provider.classification",
            "provider.risk-management",
            "provider.data-governance",
            "provider.technical-documentation",
            "provider.record-keeping",
            "provider.log-retention",
            "provider.transparency",
            "provider.human-oversight",
            "provider.accuracy-robustness-cybersecurity",
            "provider.quality-management",
            "provider.documentation-keeping",
            "provider.corrective-actions",
            "provider.authority-cooperation",
            "provider.conformity-assessment",
            "provider.declaration-of-conformity",
            "provider.ce-marking",
            "provider.registration",
            "provider.accessibility",
            "provider.post-market-monitoring",
            "provider.incident-reporting",
            "value-chain.responsibilities",
        ]
    );

    // A deployer relying on its provider's exception documents nothing itself.
    let deployer = classified(&screened(json!({
        "roles": ["deployer"],
        "annex_iii_areas": ["employment"],
        "exception_6_3": ["detects_decision_patterns"],
        "profiling": false,
    })));
    assert_eq!(deployer.tier, Tier::Minimal);
    assert_eq!(
        deployer
            .exception_6_3
            .as_ref()
            .map(|e| e.documented_reason_required),
        Some(false)
    );
    assert_eq!(refs(&deployer), ["general.ai-literacy"]);
}

#[test]
fn an_annex_i_product_is_high_risk_without_the_annex_iii_extras() {
    // A machine-vision safety component of an industrial machine, made and deployed in-house,
    // also sold on through a distributor.
    let c = classified(&screened(json!({
        "roles": ["product_manufacturer", "deployer", "distributor"],
        "provider_outside_eu": false,
        "gpai_model": false,
        "annex_i_product": true,
        "annex_iii_areas": ["none"],
    })));
    assert_eq!(c.tier, Tier::HighRisk);
    assert_eq!(c.high_risk_basis, [HighRiskBasis::AnnexI]);
    assert_eq!(
        c.roles,
        [
            OperatorRole::Provider,
            OperatorRole::Deployer,
            OperatorRole::Distributor
        ]
    );
    assert!(says(&c, "treated as its provider (Art. 25(3))"));
    let r = refs(&c);
    for absent in [
        "provider.registration",
        "provider.authorised-representative",
        "deployer.affected-person-notice",
        "deployer.explanation",
        "deployer.fria",
        "deployer.registration",
        "importer.verification",
    ] {
        assert!(!r.contains(&absent), "{absent}");
    }
    assert!(r.contains(&"provider.ce-marking") && r.contains(&"distributor.verification"));
}

#[test]
fn an_importer_or_distributor_has_no_ai_literacy_duty() {
    let c = classified(&screened(json!({
        "roles": ["importer"],
        "annex_iii_areas": ["employment"],
        "exception_6_3": ["none"],
    })));
    assert_eq!(c.tier, Tier::HighRisk);
    assert_eq!(
        refs(&c),
        ["importer.verification", "value-chain.responsibilities"]
    );
    let minimal = classified(&screened(json!({
        "roles": ["distributor"],
        "annex_iii_areas": ["none"],
    })));
    assert_eq!(minimal.tier, Tier::Minimal);
    assert!(minimal.obligations.is_empty());
    assert!(says(
        &minimal,
        "AI literacy (Art. 4) binds providers and deployers"
    ));
}

#[test]
fn a_general_purpose_model_provider_with_and_without_systemic_risk() {
    // A model offered on its own through an API, below the systemic-risk threshold.
    let model = classified(&answers(json!({
        "roles": ["provider"],
        "provider_outside_eu": false,
        "ai_system": false,
        "gpai_model": true,
        "gpai_compute_threshold": false,
        "gpai_designated": false,
        "scope_exclusion": "none",
    })));
    assert_eq!(model.tier, Tier::OutOfScope);
    assert_eq!(
        model.gpai,
        Some(Gpai {
            systemic_risk: false
        })
    );
    assert_eq!(model.roles, [OperatorRole::Provider]);
    assert!(says(&model, "It is not itself an AI system (Art. 3(1))"));
    assert!(says(&model, "Art. 55 does not apply"));
    assert_eq!(
        refs(&model),
        [
            "gpai.technical-documentation",
            "gpai.downstream-information",
            "gpai.copyright-policy",
            "gpai.training-content-summary",
        ]
    );

    // A frontier model above the compute threshold, offered by its provider as a chat
    // assistant.
    let assistant = classified(&screened(json!({
        "roles": ["provider"],
        "provider_outside_eu": false,
        "gpai_model": true,
        "gpai_compute_threshold": true,
        "annex_iii_areas": ["none"],
        "interacts_with_people": true,
        "generates_synthetic_content": true,
        "deep_fake": false,
        "public_interest_text": false,
    })));
    assert_eq!(assistant.tier, Tier::Transparency);
    assert_eq!(
        assistant.gpai,
        Some(Gpai {
            systemic_risk: true
        })
    );
    assert!(says(&assistant, "(Art. 51(2))"));
    assert_eq!(
        refs(&assistant),
        [
            "general.ai-literacy",
            "transparency.interaction",
            "transparency.synthetic-content-marking",
            "gpai.technical-documentation",
            "gpai.downstream-information",
            "gpai.copyright-policy",
            "gpai.training-content-summary",
            "gpai.systemic-risk-notification",
            "gpai.model-evaluation",
            "gpai.systemic-risk-mitigation",
            "gpai.serious-incidents",
            "gpai.cybersecurity",
        ]
    );

    // Designated by the Commission, from a provider outside the Union.
    let designated = classified(&answers(json!({
        "roles": ["provider"],
        "provider_outside_eu": true,
        "ai_system": false,
        "gpai_model": true,
        "gpai_compute_threshold": false,
        "gpai_designated": true,
        "scope_exclusion": "none",
    })));
    assert_eq!(
        designated.gpai,
        Some(Gpai {
            systemic_risk: true
        })
    );
    assert!(says(&designated, "(Art. 51(1)(b))"));
    assert!(refs(&designated).contains(&"gpai.authorised-representative"));
    assert!(refs(&designated).contains(&"gpai.cybersecurity"));
}

#[test]
fn systems_outside_the_scope_carry_no_obligations() {
    let not_ai = classified(&answers(json!({
        "roles": ["deployer"],
        "ai_system": false,
    })));
    assert_eq!(not_ai.tier, Tier::OutOfScope);
    assert!(not_ai.obligations.is_empty());
    assert!(says(&not_ai, "not an AI system as defined in Art. 3(1)"));

    let research = classified(&answers(json!({
        "roles": ["provider"],
        "provider_outside_eu": false,
        "ai_system": true,
        "gpai_model": true,
        "gpai_compute_threshold": false,
        "gpai_designated": false,
        "scope_exclusion": "scientific_research",
    })));
    assert_eq!(research.tier, Tier::OutOfScope);
    assert_eq!(research.gpai, None);
    assert!(research.obligations.is_empty());
    assert!(says(&research, "(Art. 2(6))"));

    let military = answers(json!({
        "roles": ["deployer"],
        "ai_system": true,
        "scope_exclusion": "military",
        "prohibited_social_scoring": false,
    }));
    assert_eq!(
        error_fields(&military),
        ["answers.prohibited_social_scoring"]
    );
}

#[test]
fn public_bodies_and_public_services_assess_fundamental_rights() {
    let deploy = |kind: &str, area: &str| {
        classified(&screened(json!({
            "roles": ["deployer"],
            "annex_iii_areas": [area],
            "exception_6_3": ["none"],
            "deployer_type": kind,
        })))
    };
    let benefits = deploy("public_body", "education");
    let r = refs(&benefits);
    assert!(r.contains(&"deployer.fria") && r.contains(&"deployer.registration"));
    let school = deploy("public_service", "education");
    let r = refs(&school);
    assert!(r.contains(&"deployer.fria") && !r.contains(&"deployer.registration"));
    let employer = deploy("other", "employment");
    assert!(!refs(&employer).contains(&"deployer.fria"));

    // Critical infrastructure is left out of the FRIA, the registration by deployers and the
    // notices to affected persons, so the kind of deployer is not asked.
    let grid = screened(json!({
        "roles": ["deployer"],
        "annex_iii_areas": ["critical_infrastructure"],
        "exception_6_3": ["none"],
    }));
    assert_eq!(next_question(&grid), None);
    let c = classified(&grid);
    assert_eq!(c.tier, Tier::HighRisk);
    let r = refs(&c);
    assert!(!r.contains(&"deployer.fria") && !r.contains(&"deployer.affected-person-notice"));
}

// ----------------------------------------------------------------------- bad answers

#[test]
fn an_unknown_question_is_named() {
    let mut a = screened(json!({"roles": ["deployer"], "annex_iii_areas": ["none"]}));
    a.insert("colour".into(), json!("blue"));
    assert_eq!(error_fields(&a), ["answers.colour"]);
    assert_eq!(
        error_for(&a, "answers.colour"),
        "is not a question of the EU AI Act classification"
    );
    assert!(classify(&a).is_err());
}

#[test]
fn a_wrong_type_is_named_without_errors_on_the_questions_it_controls() {
    let a = screened(json!({
        "roles": ["deployer"],
        "ai_system": "yes",
        "annex_iii_areas": ["none"],
    }));
    // Every later question depends on ai_system, so only ai_system is reported.
    assert_eq!(error_fields(&a), ["answers.ai_system"]);
    assert_eq!(error_for(&a, "answers.ai_system"), "must be true or false");

    let roles = screened(json!({"roles": "deployer", "annex_iii_areas": ["none"]}));
    assert_eq!(error_fields(&roles), ["answers.roles"]);
    assert!(error_for(&roles, "answers.roles").starts_with("must be a list of options from"));

    let scope = screened(json!({
        "roles": ["deployer"],
        "scope_exclusion": ["none"],
        "annex_iii_areas": ["none"],
    }));
    assert_eq!(error_fields(&scope), ["answers.scope_exclusion"]);
}

#[test]
fn an_unknown_option_is_named() {
    let a = screened(json!({
        "roles": ["deployer", "reseller"],
        "annex_iii_areas": ["none"],
    }));
    assert_eq!(error_fields(&a), ["answers.roles[1]"]);
    assert_eq!(
        error_for(&a, "answers.roles"),
        "must be one of provider, deployer, importer, distributor, product_manufacturer; got `reseller`"
    );
    let single = screened(json!({
        "roles": ["deployer"],
        "scope_exclusion": "hobby",
        "annex_iii_areas": ["none"],
    }));
    assert_eq!(error_fields(&single), ["answers.scope_exclusion"]);
}

#[test]
fn an_answer_to_a_hidden_question_is_rejected() {
    // Only providers are asked about general-purpose models.
    let a = screened(json!({
        "roles": ["deployer"],
        "gpai_model": true,
        "annex_iii_areas": ["none"],
    }));
    assert_eq!(error_fields(&a), ["answers.gpai_model"]);
    assert_eq!(
        error_for(&a, "answers.gpai_model"),
        "is not asked given the other answers, so it must be left out"
    );
    // The profiling question is only asked when the exception is claimed.
    let b = screened(json!({
        "roles": ["deployer"],
        "annex_iii_areas": ["employment"],
        "exception_6_3": ["none"],
        "profiling": true,
        "deployer_type": "other",
    }));
    assert_eq!(error_fields(&b), ["answers.profiling"]);
}

#[test]
fn a_missing_answer_is_named() {
    let a = screened(json!({"roles": ["deployer"]}));
    assert_eq!(error_fields(&a), ["answers.annex_iii_areas"]);
    assert_eq!(error_for(&a, "answers.annex_iii_areas"), "is required");
    assert_eq!(
        error_fields(&Answers::new()),
        ["answers.roles", "answers.ai_system"]
    );
    // A provider is asked where it is established.
    let p = screened(json!({
        "roles": ["provider"],
        "gpai_model": false,
        "annex_iii_areas": ["none"],
    }));
    assert_eq!(error_fields(&p), ["answers.provider_outside_eu"]);
}

#[test]
fn multiple_choices_are_non_empty_without_repeats_and_none_stands_alone() {
    let check = |areas: Value| {
        let a = screened(json!({"roles": ["deployer"], "annex_iii_areas": areas}));
        check_answers(&a).unwrap_err()
    };
    let empty = check(json!([]));
    assert_eq!(empty.0[0].field, "answers.annex_iii_areas");
    assert!(empty.0[0].message.contains("choose none"));
    let repeated = check(json!(["education", "education"]));
    assert_eq!(repeated.0[0].field, "answers.annex_iii_areas[1]");
    let none_and = check(json!(["none", "education"]));
    assert_eq!(
        none_and.0[0].message,
        "none cannot be combined with other options"
    );
    let number = check(json!([3]));
    assert_eq!(number.0[0].field, "answers.annex_iii_areas[0]");
}

// -------------------------------------------------------------------- random walks

/// Answers every shown question, in order, with choices taken from `picks`.
fn random_answers(picks: &[u32]) -> Answers {
    let mut a = Answers::new();
    let mut picks = picks.iter().copied().cycle();
    for q in questionnaire() {
        if !q.shown_when.as_ref().is_none_or(|c| c.holds(&a)) {
            continue;
        }
        let pick = picks.next().unwrap_or(0);
        let value = match q.kind {
            QuestionKind::YesNo => json!(pick.is_multiple_of(2)),
            QuestionKind::SingleChoice(options) => {
                json!(options[pick as usize % options.len()].value)
            }
            QuestionKind::MultipleChoice(options) => {
                let real: Vec<&str> = options
                    .iter()
                    .map(|o| o.value)
                    .filter(|v| *v != "none")
                    .collect();
                let has_none = real.len() < options.len();
                let mut chosen: Vec<&str> = real
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| pick >> i & 1 == 1)
                    .map(|(_, v)| *v)
                    .collect();
                if q.id == "annex_iii_areas"
                    && a.get("realtime_rbi_exception") == Some(&json!(true))
                    && !chosen.contains(&"biometrics")
                {
                    chosen.insert(0, "biometrics");
                }
                if chosen.is_empty() {
                    chosen.push(if has_none { "none" } else { real[0] });
                }
                json!(chosen)
            }
        };
        a.insert(q.id.to_owned(), value);
    }
    a
}

proptest! {
    #[test]
    fn every_walk_through_the_questionnaire_classifies(picks in prop::collection::vec(any::<u32>(), 1..40)) {
        let a = random_answers(&picks);
        prop_assert_eq!(check_answers(&a), Ok(()));
        prop_assert_eq!(next_question(&a), None);
        let c = classify(&a).unwrap();

        let all = all_obligation_refs();
        let positions: Vec<usize> = c
            .obligations
            .iter()
            .map(|o| all.iter().position(|r| r == o).expect("a known obligation"))
            .collect();
        prop_assert!(positions.windows(2).all(|w| w[0] < w[1]), "in framework order, no repeats");
        prop_assert_eq!(c.tier == Tier::Prohibited, !c.prohibited_practices.is_empty());
        if c.tier == Tier::HighRisk {
            prop_assert!(!c.high_risk_basis.is_empty());
            prop_assert!(c.exception_6_3.is_none());
        }
        if c.tier == Tier::Transparency {
            prop_assert!(!c.transparency.is_empty());
        }
        if c.tier == Tier::OutOfScope {
            prop_assert!(c.obligations.iter().all(|o| o.starts_with("gpai.")));
        }
        if c.tier != Tier::Prohibited && c.gpai.is_some() {
            prop_assert!(c.obligations.iter().any(|o| o == "gpai.copyright-policy"));
        }
        prop_assert!(!c.rationale.is_empty());
        prop_assert!(c.rationale.iter().all(|s| s.contains("Art. ") || s.contains("Annex")));
        let round_trip: Classification = serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
        prop_assert_eq!(round_trip, c);

        // Leaving out any one answer is reported, on that answer, and nothing else.
        let key = a.keys().nth(picks[0] as usize % a.len()).unwrap().clone();
        let mut fewer = a.clone();
        fewer.remove(&key);
        let fields = error_fields(&fewer);
        prop_assert_eq!(fields, vec![format!("answers.{key}")]);
    }
}

// ------------------------------------------------------------ stored classifications

#[test]
fn each_tier_sets_the_inventory_field_of_the_same_name() {
    for &tier in Tier::ALL {
        assert_eq!(tier.inventory_tier().as_str(), tier.as_str());
    }
}

#[test]
fn shown_answers_drop_what_a_form_could_not_hide() {
    // A deployer that is not a provider: the provider and GPAI questions are hidden, and so
    // are the questions that depend on them, even when the hidden answer would show them.
    let mut given = screened(json!({"roles": ["deployer"], "annex_iii_areas": ["none"]}));
    let extra = answers(json!({
        "provider_outside_eu": true,
        "gpai_model": true,
        "gpai_compute_threshold": false,
        "gpai_designated": true,
        "realtime_rbi_exception": true,
        "deep_fake": true,
        "not_a_question": "x",
    }));
    assert!(check_answers(&given).is_ok());
    let expected = given.clone();
    given.extend(extra);
    assert!(check_answers(&given).is_err());
    assert_eq!(shown_answers(&given), expected);
    assert_eq!(classified(&shown_answers(&given)).tier, Tier::Minimal);

    // Answers that are shown stay, whatever their value: checking them is classify's job.
    let bad = answers(json!({"roles": "provider", "ai_system": "maybe"}));
    assert_eq!(shown_answers(&bad), bad);
}
