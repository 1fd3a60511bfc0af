//! The library bundled with aims (`library/` at the repository root), checked against the
//! facts of `shared/reference/standards.md`: identifiers, titles and counts.
//!
//! ISO/IEC 42001 is always checked. NIST AI RMF, the EU AI Act and the crosswalks are
//! written separately; their checks run when their files exist and say so when skipped.
//! The risk-source taxonomy and the assessment templates are checked for the ids the rest
//! of aims relies on.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use aims_library::{
    Answers, AssessmentTemplate, Expected, Framework, Library, NodeKind, QuestionKind, Test,
    bundled, load_dir,
};
use serde_json::json;

fn library_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../library")
}

fn library() -> Library {
    match load_dir(&library_dir()) {
        Ok(library) => library,
        Err(err) => panic!("{err}"),
    }
}

/// Sub-clauses of clauses 4-10, with a word of each title (the reference paraphrases them).
const SUB_CLAUSES: &[(&str, &str)] = &[
    ("4.1", "organization and its context"),
    ("4.2", "interested parties"),
    ("4.3", "scope"),
    ("4.4", "AI management system"),
    ("5.1", "leadership and commitment"),
    ("5.2", "AI policy"),
    ("5.3", "roles, responsibilities"),
    ("6.1", "risks and opportunities"),
    ("6.1.1", "general"),
    ("6.1.2", "AI risk assessment"),
    ("6.1.3", "AI risk treatment"),
    ("6.1.4", "AI system impact assessment"),
    ("6.2", "AI objectives"),
    ("6.3", "planning of changes"),
    ("7.1", "resources"),
    ("7.2", "competence"),
    ("7.3", "awareness"),
    ("7.4", "communication"),
    ("7.5", "documented information"),
    ("7.5.1", "general"),
    ("7.5.2", "creating and updating"),
    ("7.5.3", "control"),
    ("8.1", "operational planning and control"),
    ("8.2", "AI risk assessment"),
    ("8.3", "AI risk treatment"),
    ("8.4", "AI system impact assessment"),
    ("9.1", "monitoring, measurement, analysis"),
    ("9.2", "internal audit"),
    ("9.2.1", "general"),
    ("9.2.2", "programme"),
    ("9.3", "management review"),
    ("9.3.1", "general"),
    ("9.3.2", "inputs"),
    ("9.3.3", "results"),
    ("10.1", "continual improvement"),
    ("10.2", "nonconformity and corrective action"),
];

const OBJECTIVES: &[(&str, &str)] = &[
    ("A.2", "Policies related to AI"),
    ("A.3", "Internal organization"),
    ("A.4", "Resources for AI systems"),
    ("A.5", "Assessing impacts of AI systems"),
    ("A.6", "AI system life cycle"),
    ("A.7", "Data for AI systems"),
    ("A.8", "Information for interested parties"),
    ("A.9", "Use of AI systems"),
    ("A.10", "Third-party and customer relationships"),
];

const CONTROLS: &[(&str, &str)] = &[
    ("A.2.2", "AI policy"),
    ("A.2.3", "Alignment with other organizational policies"),
    ("A.2.4", "Review of the AI policy"),
    ("A.3.2", "AI roles and responsibilities"),
    ("A.3.3", "Reporting of concerns"),
    ("A.4.2", "Resource documentation"),
    ("A.4.3", "Data resources"),
    ("A.4.4", "Tooling resources"),
    ("A.4.5", "System and computing resources"),
    ("A.4.6", "Human resources"),
    ("A.5.2", "Impact assessment process"),
    ("A.5.3", "Documentation of impact assessments"),
    ("A.5.4", "Impact on individuals or groups"),
    ("A.5.5", "Societal impacts"),
    ("A.6.1.2", "Objectives for responsible development"),
    (
        "A.6.1.3",
        "Processes for responsible design and development",
    ),
    ("A.6.2.2", "Requirements and specification"),
    ("A.6.2.3", "Documentation of design and development"),
    ("A.6.2.4", "Verification and validation"),
    ("A.6.2.5", "Deployment"),
    ("A.6.2.6", "Operation and monitoring"),
    ("A.6.2.7", "Technical documentation"),
    ("A.6.2.8", "Recording of event logs"),
    ("A.7.2", "Data for development and enhancement"),
    ("A.7.3", "Acquisition of data"),
    ("A.7.4", "Quality of data"),
    ("A.7.5", "Data provenance"),
    ("A.7.6", "Data preparation"),
    ("A.8.2", "System documentation and information for users"),
    ("A.8.3", "External reporting"),
    ("A.8.4", "Communication of incidents"),
    ("A.8.5", "Information for interested parties"),
    ("A.9.2", "Processes for responsible use"),
    ("A.9.3", "Objectives for responsible use"),
    ("A.9.4", "Intended use"),
    ("A.10.2", "Allocating responsibilities"),
    ("A.10.3", "Suppliers"),
    ("A.10.4", "Customers"),
];

/// Every node can be reached by walking down from the roots.
fn assert_all_reachable(fw: &Framework) {
    let mut reached = BTreeSet::new();
    let mut queue: Vec<&str> = fw.roots().map(|n| n.ref_.as_str()).collect();
    while let Some(ref_) = queue.pop() {
        if reached.insert(ref_) {
            queue.extend(fw.children(ref_).map(|n| n.ref_.as_str()));
        }
    }
    for node in &fw.nodes {
        assert!(
            reached.contains(node.ref_.as_str()),
            "{}: {} unreachable",
            fw.id,
            node.ref_
        );
    }
}

#[test]
fn iso_42001_matches_the_reference() {
    let library = library();
    let iso = library
        .framework("iso-iec-42001-2023")
        .expect("ISO/IEC 42001");
    let clauses: Vec<&str> = iso
        .roots()
        .filter(|n| n.kind == NodeKind::Clause && n.ref_ != "A")
        .map(|n| n.ref_.as_str())
        .collect();
    assert_eq!(clauses, ["4", "5", "6", "7", "8", "9", "10"]);
    for (ref_, words) in SUB_CLAUSES {
        let node = iso.node(ref_).unwrap_or_else(|| panic!("{ref_} missing"));
        assert_eq!(node.kind, NodeKind::Requirement, "{ref_}");
        assert!(
            node.title.to_lowercase().contains(&words.to_lowercase()),
            "{ref_}: `{}` does not name `{words}`",
            node.title
        );
        let expected_parent = ref_.rsplit_once('.').map(|(p, _)| p).unwrap_or_default();
        assert_eq!(node.parent.as_deref(), Some(expected_parent), "{ref_}");
        assert!(node.description.is_some(), "{ref_} has no description");
    }
    let requirements = iso
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Requirement)
        .count();
    assert_eq!(
        requirements,
        SUB_CLAUSES.len(),
        "no sub-clause beyond the reference"
    );

    let annex = iso.node("A").expect("Annex A");
    assert_eq!(
        annex.title,
        "Annex A reference control objectives and controls"
    );
    assert!(!annex.assessable);
    let objectives: Vec<(&str, &str)> = iso
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Objective)
        .map(|n| (n.ref_.as_str(), n.title.as_str()))
        .collect();
    assert_eq!(objectives, OBJECTIVES);
    for (ref_, _) in OBJECTIVES {
        let node = iso.node(ref_).expect("objective");
        assert_eq!(node.parent.as_deref(), Some("A"));
        assert!(!node.assessable);
    }
    let controls: Vec<(&str, &str)> = iso
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Control)
        .map(|n| (n.ref_.as_str(), n.title.as_str()))
        .collect();
    assert_eq!(controls, CONTROLS);
    assert_eq!(controls.len(), 38);
    for node in iso.nodes.iter().filter(|n| n.kind == NodeKind::Control) {
        let objective = node
            .ref_
            .splitn(3, '.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".");
        assert_eq!(
            node.parent.as_deref(),
            Some(objective.as_str()),
            "{}",
            node.ref_
        );
        assert!(node.assessable, "{}", node.ref_);
        assert!(node.description.is_some(), "{} description", node.ref_);
        let guidance = node.guidance.as_deref().unwrap_or_default();
        let sentences = guidance.matches(". ").count() + 1;
        assert!(
            (2..=6).contains(&sentences),
            "{}: guidance has {sentences} sentences",
            node.ref_
        );
        assert!(
            (2..=4).contains(&node.evidence.len()),
            "{}: {} evidence items",
            node.ref_,
            node.evidence.len()
        );
    }
    assert_all_reachable(iso);
}

#[test]
fn every_bundled_framework_is_a_connected_tree() {
    for fw in &library().frameworks {
        assert_all_reachable(fw);
    }
}

#[test]
fn the_embedded_copy_matches_the_folder() {
    let embedded = bundled().expect("the embedded library loads");
    assert_eq!(embedded, library());
}

#[test]
fn nist_ai_rmf_has_the_published_counts() {
    let library = library();
    let Some(rmf) = library.framework("nist-ai-rmf-1.0") else {
        eprintln!("SKIPPED: library/frameworks/nist-ai-rmf-1.0.yaml is not there yet");
        return;
    };
    let functions: Vec<&str> = rmf
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Function)
        .map(|n| n.ref_.as_str())
        .collect();
    assert_eq!(functions, ["GOVERN", "MAP", "MEASURE", "MANAGE"]);
    // (function, categories, subcategories) from the reference, section 2.
    for (function, categories, subcategories) in [
        ("GOVERN", 6, 19),
        ("MAP", 5, 18),
        ("MEASURE", 4, 22),
        ("MANAGE", 4, 13),
    ] {
        let cats: Vec<&str> = rmf.children(function).map(|n| n.ref_.as_str()).collect();
        assert_eq!(cats.len(), categories, "{function} categories");
        let subs: usize = cats.iter().map(|c| rmf.children(c).count()).sum();
        assert_eq!(subs, subcategories, "{function} subcategories");
        for (i, cat) in cats.iter().enumerate() {
            assert_eq!(*cat, format!("{function} {}", i + 1));
            assert_eq!(rmf.node(cat).expect("category").kind, NodeKind::Category);
            for sub in rmf.children(cat) {
                assert_eq!(sub.kind, NodeKind::Subcategory, "{}", sub.ref_);
                assert!(sub.assessable, "{}", sub.ref_);
            }
        }
    }
    let counts = rmf.counts_by_kind();
    assert_eq!(counts.get(&NodeKind::Category), Some(&19));
    assert_eq!(counts.get(&NodeKind::Subcategory), Some(&72));
}

#[test]
fn eu_ai_act_has_its_tiers() {
    let library = library();
    let Some(act) = library.framework("eu-ai-act-2024") else {
        eprintln!("SKIPPED: library/frameworks/eu-ai-act-2024.yaml is not there yet");
        return;
    };
    for tier in [
        "tier.prohibited",
        "tier.high-risk",
        "tier.transparency",
        "tier.minimal",
        "tier.gpai",
    ] {
        let node = act.node(tier).unwrap_or_else(|| panic!("{tier} missing"));
        assert_eq!(node.kind, NodeKind::Tier);
        assert!(!node.assessable);
    }
    for node in act.nodes.iter().filter(|n| n.kind == NodeKind::Obligation) {
        assert!(node.assessable, "{}", node.ref_);
        assert!(!node.articles.is_empty(), "{} names no article", node.ref_);
    }
}

#[test]
fn every_crosswalk_reference_resolves() {
    let library = library();
    if library.crosswalks.is_empty() {
        eprintln!("SKIPPED: library/crosswalks/ has no crosswalk yet");
        return;
    }
    // The loader already refuses unknown refs; this says it again in terms of the model.
    for cw in &library.crosswalks {
        let source = library.framework(&cw.source).expect("source framework");
        let target = library.framework(&cw.target).expect("target framework");
        for m in &cw.mappings {
            assert!(source.node(&m.source).is_some(), "{}: {}", cw.id, m.source);
            assert!(target.node(&m.target).is_some(), "{}: {}", cw.id, m.target);
        }
    }
}

/// The risk sources the register relies on, with the Annex C item each relates to (C.2.x:
/// an objective of Annex C; C.3.x: one of its risk sources), or none.
const RISK_SOURCES: &[(&str, Option<&str>)] = &[
    ("fairness", Some("C.2.5")),
    ("transparency", Some("C.3.2")),
    ("explainability", Some("C.3.2")),
    ("privacy", Some("C.2.7")),
    ("safety", Some("C.2.9")),
    ("security", Some("C.2.10")),
    ("robustness", Some("C.2.8")),
    ("accountability", Some("C.2.1")),
    ("data-quality", Some("C.3.4")),
    ("data-collection", Some("C.3.4")),
    ("lack-of-expertise", Some("C.2.2")),
    ("environmental-impact", Some("C.2.4")),
    ("maintainability", Some("C.2.6")),
    ("misuse", None),
    ("third-party-components", None),
    ("complexity-of-environment", Some("C.3.1")),
    ("level-of-automation", Some("C.3.3")),
    ("system-hardware", Some("C.3.5")),
    ("system-life-cycle", Some("C.3.6")),
    ("technology-readiness", Some("C.3.7")),
];

#[test]
fn the_risk_source_taxonomy_covers_annex_c_and_more() {
    let library = library();
    let ids: Vec<&str> = library.all_risk_sources().map(|s| s.id.as_str()).collect();
    let expected: Vec<&str> = RISK_SOURCES.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, expected);
    let taxonomy = &library.risk_sources[0];
    assert_eq!(taxonomy.id, "aims-ai-risk-sources");
    for (id, annex_c) in RISK_SOURCES {
        let source = library.risk_source(id).expect("listed above");
        assert_eq!(source.annex_c.as_deref(), *annex_c, "{id}");
        assert!(
            source.description.split_whitespace().count() >= 15,
            "{id}: the description says too little"
        );
        assert!(
            (2..=3).contains(&source.examples.len()),
            "{id}: {} examples",
            source.examples.len()
        );
        assert!(source.category.is_some(), "{id} has no category");
    }
    // Every risk source of Annex C (C.3.1 to C.3.7) has at least one source here.
    for item in 1..=7 {
        let reference = format!("C.3.{item}");
        assert!(
            library
                .all_risk_sources()
                .any(|s| s.annex_c.as_deref() == Some(reference.as_str())),
            "{reference} is not covered"
        );
    }
}

/// The bundled templates, by id, with their section ids in order.
const TEMPLATES: &[(&str, &[&str])] = &[
    (
        "eu-fria",
        &[
            "scope",
            "processes",
            "period",
            "persons",
            "risks",
            "oversight",
            "materialisation",
            "notification",
        ],
    ),
    (
        "impact-individuals-groups",
        &[
            "context",
            "rights",
            "safety",
            "privacy",
            "agency",
            "contestability",
            "vulnerable",
            "conclusion",
        ],
    ),
    (
        "impact-societal",
        &[
            "reach",
            "environment",
            "democracy",
            "information",
            "labour",
            "power",
            "conclusion",
        ],
    ),
];

fn bundled_template<'a>(library: &'a Library, id: &str) -> &'a AssessmentTemplate {
    library
        .template(id)
        .unwrap_or_else(|| panic!("template {id} missing"))
}

#[test]
fn the_bundled_templates_are_complete_questionnaires() {
    let library = library();
    let ids: Vec<&str> = library.templates.iter().map(|t| t.id.as_str()).collect();
    let expected: Vec<&str> = TEMPLATES.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, expected);
    for (id, sections) in TEMPLATES {
        let template = bundled_template(&library, id);
        assert_eq!(
            template.levels,
            ["low", "medium", "high", "very-high"],
            "{id}"
        );
        let section_ids: Vec<&str> = template.sections.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(section_ids, *sections, "{id}");
        let questions: Vec<_> = template.questions().collect();
        assert!(
            (12..=25).contains(&questions.len()),
            "{id}: {} questions",
            questions.len()
        );
        let guided = questions.iter().filter(|q| q.guidance.is_some()).count();
        assert!(
            guided * 10 >= questions.len() * 9,
            "{id}: only {guided} of {} questions have guidance",
            questions.len()
        );
        // Every kind of question is used.
        for kind in [
            QuestionKind::Text,
            QuestionKind::SingleChoice,
            QuestionKind::MultipleChoice,
            QuestionKind::Scale,
            QuestionKind::YesNo,
        ] {
            assert!(questions.iter().any(|q| q.kind == kind), "{id}: no {kind}");
        }
        assert!(!template.rules.is_empty(), "{id} has no rules");
        // With nothing answered, nothing is raised.
        let outcome = template.evaluate(&Answers::new());
        assert_eq!(outcome.level, "low", "{id}");
        assert!(outcome.reasons.is_empty(), "{id}");
    }
}

#[test]
fn every_rule_of_the_bundled_templates_can_fire() {
    let library = library();
    for template in &library.templates {
        for (i, rule) in template.rules.iter().enumerate() {
            let mut answers = Answers::new();
            for condition in &rule.when {
                let answer = match &condition.test {
                    Test::Equals(Expected::Bool(b)) => json!(b),
                    Test::Equals(Expected::Value(v)) => json!(v),
                    Test::Includes(v) => json!([v]),
                    Test::AtLeast(n) => json!(n),
                };
                answers.insert(condition.question.clone(), answer);
            }
            assert_eq!(
                template.check_answers(&answers),
                [],
                "{} rule {i}",
                template.id
            );
            let outcome = template.evaluate(&answers);
            assert!(
                outcome
                    .reasons
                    .iter()
                    .any(|r| r.rule == Some(i) && r.text == rule.reason),
                "{} rule {i} did not fire",
                template.id
            );
            assert!(
                template.level_rank(&outcome.level) >= template.level_rank(&rule.level),
                "{} rule {i}",
                template.id
            );
        }
    }
}

#[test]
fn the_bundled_templates_derive_levels_from_real_answers() {
    let library = library();
    let answers =
        |value: serde_json::Value| -> Answers { serde_json::from_value(value).expect("object") };

    let people = bundled_template(&library, "impact-individuals-groups");
    let careful = answers(json!({
        "intended-purpose": "Suggests reading material to library visitors.",
        "decision-role": "no-decisions",
        "effect-significance": "minor",
        "people-affected": "under-1000",
        "rights-affected": ["none"],
        "protected-characteristics": false,
        "group-performance": "no-gap",
        "can-stop": true,
    }));
    assert_eq!(people.check_answers(&careful), []);
    assert_eq!(people.evaluate(&careful).level, "low");
    let automated = answers(json!({
        "decision-role": "automatic",
        "effect-significance": "significant",
        "harm-severity": 3,
    }));
    let outcome = people.evaluate(&automated);
    assert_eq!(outcome.level, "very-high");
    assert_eq!(outcome.reasons[0].rule, Some(0));
    assert_eq!(outcome.reasons[0].question_id, "decision-role");
    let explained: Vec<(&str, &str)> = outcome
        .reasons
        .iter()
        .map(|r| (r.question_id.as_str(), r.level.as_str()))
        .collect();
    assert_eq!(
        explained,
        [
            ("decision-role", "very-high"),
            ("decision-role", "high"),
            ("effect-significance", "high"),
            ("harm-severity", "medium"),
        ]
    );
    let missing: Vec<&str> = people
        .missing_required(&automated)
        .iter()
        .map(|q| q.id.as_str())
        .collect();
    assert!(missing.contains(&"intended-purpose"), "{missing:?}");
    assert!(
        !missing.contains(&"reviewer-notes"),
        "optional question listed"
    );

    let society = bundled_template(&library, "impact-societal");
    let deepfakes = answers(json!({"realistic-media": true, "marking": "not-marked"}));
    let outcome = society.evaluate(&deepfakes);
    assert_eq!(outcome.level, "very-high");
    assert_eq!(outcome.reasons[0].question_id, "realistic-media");
    assert_eq!(
        society
            .evaluate(&answers(json!({"marking": "both", "reach": "local"})))
            .level,
        "medium"
    );

    let fria = bundled_template(&library, "eu-fria");
    let bad = answers(json!({"harm-likelihood": 6, "annex-iii-area": "critical-infrastructure"}));
    let problems: Vec<String> = fria
        .check_answers(&bad)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        problems,
        [
            "annex-iii-area: `critical-infrastructure` is not an option; expected one of: biometrics, education, employment, essential-services, law-enforcement, migration, justice-democracy",
            "harm-likelihood: expected an integer from 1 to 5, found 6",
        ]
    );
    let outcome = fria.evaluate(&answers(json!({
        "annex-iii-area": "employment",
        "harm-likelihood": 4,
        "harm-severity": 4,
        "can-override": true,
    })));
    assert_eq!(outcome.level, "very-high");
    assert_eq!(
        outcome.reasons[0].text,
        "The most serious harm is both likely and severe."
    );
    assert_eq!(
        fria.evaluate(&answers(json!({"can-override": false})))
            .level,
        "high"
    );
}
