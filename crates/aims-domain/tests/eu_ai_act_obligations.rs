//! The obligations the EU AI Act classification selects are nodes of the bundled
//! `eu-ai-act-2024` framework that an organisation can assess, and the other way round:
//! every assessable node of that framework is selected by some rule.

use std::collections::BTreeSet;

use aims_domain::eu_ai_act::{
    Answers, FRAMEWORK_ID, QuestionKind, all_obligation_refs, check_answers, classify,
    questionnaire,
};
use aims_library::{Framework, Library, NodeKind};
use serde_json::{Value, json};

fn library() -> Library {
    match aims_library::bundled() {
        Ok(library) => library,
        Err(err) => panic!("{err}"),
    }
}

fn framework(library: &Library) -> &Framework {
    match library.framework(FRAMEWORK_ID) {
        Some(framework) => framework,
        None => panic!("the bundled library has no {FRAMEWORK_ID}"),
    }
}

#[test]
fn every_obligation_ref_is_an_assessable_obligation_of_the_framework() {
    let library = library();
    let framework = framework(&library);
    let refs = all_obligation_refs();
    assert_eq!(
        refs.iter().collect::<BTreeSet<_>>().len(),
        refs.len(),
        "no ref twice"
    );
    for r in &refs {
        let Some(node) = framework.node(r) else {
            panic!("{r} is not a node of {FRAMEWORK_ID}");
        };
        assert!(node.assessable, "{r} is not assessable");
        assert_eq!(node.kind, NodeKind::Obligation, "{r}");
    }
    // Listed in the framework's order, so an obligation list reads like the framework.
    let order: Vec<&str> = framework
        .nodes
        .iter()
        .map(|n| n.ref_.as_str())
        .filter(|r| refs.contains(r))
        .collect();
    assert_eq!(order, refs);
}

#[test]
fn every_assessable_node_of_the_framework_has_a_rule() {
    let library = library();
    let refs = all_obligation_refs();
    let missing: Vec<&str> = framework(&library)
        .nodes
        .iter()
        .filter(|n| n.assessable && !refs.contains(&n.ref_.as_str()))
        .map(|n| n.ref_.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "no classification rule selects {missing:?}; add one in eu_ai_act.rs"
    );
}

/// A small deterministic generator, so the walks are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }
}

/// Answers every question a form would show, in order, choosing at random.
fn walk(rng: &mut Lcg) -> Answers {
    let mut answers = Answers::new();
    for q in questionnaire() {
        if !q.shown_when.as_ref().is_none_or(|c| c.holds(&answers)) {
            continue;
        }
        let pick = rng.next();
        let value = match q.kind {
            QuestionKind::YesNo => json!(pick.is_multiple_of(2)),
            QuestionKind::SingleChoice(options) => {
                json!(options[pick as usize % options.len()].value)
            }
            QuestionKind::MultipleChoice(options) => {
                let mut chosen: Vec<&str> = options
                    .iter()
                    .enumerate()
                    .filter(|(i, o)| o.value != "none" && pick >> i & 1 == 1)
                    .map(|(_, o)| o.value)
                    .collect();
                // Real-time remote biometric identification under an exception is a
                // biometric use of Annex III.
                if answers.get("realtime_rbi_exception") == Some(&Value::Bool(true))
                    && q.id == "annex_iii_areas"
                    && !chosen.contains(&"biometrics")
                {
                    chosen.push("biometrics");
                }
                if chosen.is_empty() {
                    let none = options.iter().find(|o| o.value == "none");
                    chosen.push(none.unwrap_or(&options[0]).value);
                }
                json!(chosen)
            }
        };
        answers.insert(q.id.to_owned(), value);
    }
    answers
}

#[test]
fn walks_through_the_questionnaire_select_every_obligation_and_only_those() {
    let library = library();
    let framework = framework(&library);
    let mut rng = Lcg(42);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for _ in 0..20_000 {
        let answers = walk(&mut rng);
        assert_eq!(check_answers(&answers), Ok(()), "{answers:?}");
        let classification = match classify(&answers) {
            Ok(c) => c,
            Err(err) => panic!("{err} for {answers:?}"),
        };
        for r in classification.obligations {
            assert!(framework.node(&r).is_some_and(|n| n.assessable), "{r}");
            seen.insert(r);
        }
    }
    let never: Vec<&str> = all_obligation_refs()
        .into_iter()
        .filter(|r| !seen.contains(*r))
        .collect();
    assert!(never.is_empty(), "never selected: {never:?}");
}
