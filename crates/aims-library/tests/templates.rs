//! Assessment templates: a well-formed file comes out as written; answers are checked for
//! every kind of question; the derived impact level is the highest one indicated, with its
//! reasons; and every rule of the format is reported with its line.

use std::path::PathBuf;

use aims_library::{
    AnswerProblem, Answers, AnyDocument, AssessmentTemplate, Condition, Expected, QuestionKind,
    Reason, ScaleLabel, Source, Test, Threshold, load_any_source, load_layers, load_source,
};
use serde_json::{Value, json};

const TEMPLATE: &str = r#"format: aims-assessment-template/1
id: demo-impact
name: Demo impact assessment
version: "1.0"
description: A template for tests.
applies_to: Test systems
levels: [low, medium, high, very-high]
sections:
  - id: context
    title: Context
    description: What the system does.
    questions:
      - id: purpose
        text: What is the system for?
        kind: text
        guidance: One paragraph.
      - id: notes
        text: Anything else?
        kind: text
        required: false
      - id: decision
        text: What does the system decide?
        kind: single_choice
        options:
          - value: advice
            label: It only advises
            level: low
          - value: decides
            label: It decides alone
            level: high
          - value: other
            label: Something else
  - id: people
    title: People
    questions:
      - id: groups
        text: Who is affected?
        kind: multiple_choice
        options:
          - {value: staff, label: Staff, level: medium}
          - {value: children, label: Children, level: very-high}
          - {value: public, label: The public}
      - id: severity
        text: How severe is the worst harm?
        kind: scale
        scale:
          min: 1
          max: 5
          labels: {1: Negligible, 5: Severe}
          level_from:
            - {at_least: 3, level: medium}
            - {at_least: 4, level: high}
      - id: reversible
        text: How hard is a harm to undo?
        kind: scale
        required: false
        scale:
          min: 0
          max: 2
          labels: [Easily, With effort, Not at all]
      - id: biometric
        text: Does it use biometric data?
        kind: yes_no
        level_if_yes: high
rules:
  - when: {question: decision, equals: decides}
    level: medium
    reason: Decisions without a person.
  - when:
      - {question: biometric, equals: true}
      - {question: groups, includes: public}
    level: very-high
    reason: Biometrics used on the public.
  - when: {question: severity, at_least: 5}
    level: very-high
    reason: The worst harm is severe.
  - when: {question: biometric, equals: false}
    level: low
    reason: No biometric data.
"#;

fn source(path: &str, text: &str) -> Source {
    Source {
        path: PathBuf::from(path),
        text: text.to_owned(),
    }
}

fn template() -> AssessmentTemplate {
    match load_any_source(&source("templates/demo.yaml", TEMPLATE)) {
        Ok(AnyDocument::Template(template)) => template,
        Ok(other) => panic!("not a template: {other:?}"),
        Err(err) => panic!("{err}"),
    }
}

fn answers(value: Value) -> Answers {
    serde_json::from_value(value).expect("an object")
}

fn problems(template: &AssessmentTemplate, value: Value) -> Vec<String> {
    template
        .check_answers(&answers(value))
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn reason(question: &str, level: &str, text: &str, rule: Option<usize>) -> Reason {
    Reason {
        question_id: question.to_owned(),
        level: level.to_owned(),
        text: text.to_owned(),
        rule,
    }
}

#[test]
fn a_template_comes_out_as_written() {
    let t = template();
    assert_eq!(t.id, "demo-impact");
    assert_eq!(t.version, "1.0");
    assert_eq!(t.applies_to.as_deref(), Some("Test systems"));
    assert_eq!(t.levels, ["low", "medium", "high", "very-high"]);
    let sections: Vec<(&str, usize)> = t
        .sections
        .iter()
        .map(|s| (s.id.as_str(), s.questions.len()))
        .collect();
    assert_eq!(sections, [("context", 3), ("people", 4)]);
    assert_eq!(
        t.sections[0].description.as_deref(),
        Some("What the system does.")
    );
    let kinds: Vec<(&str, QuestionKind, bool)> = t
        .questions()
        .map(|q| (q.id.as_str(), q.kind, q.required))
        .collect();
    assert_eq!(
        kinds,
        [
            ("purpose", QuestionKind::Text, true),
            ("notes", QuestionKind::Text, false),
            ("decision", QuestionKind::SingleChoice, true),
            ("groups", QuestionKind::MultipleChoice, true),
            ("severity", QuestionKind::Scale, true),
            ("reversible", QuestionKind::Scale, false),
            ("biometric", QuestionKind::YesNo, true),
        ]
    );
    let purpose = t.question("purpose").expect("purpose");
    assert_eq!(purpose.guidance.as_deref(), Some("One paragraph."));
    let decision = t.question("decision").expect("decision");
    assert_eq!(
        decision.option("decides").and_then(|o| o.level.as_deref()),
        Some("high")
    );
    assert_eq!(
        decision.option("other").map(|o| o.level.clone()),
        Some(None)
    );
    let severity = t
        .question("severity")
        .and_then(|q| q.scale.clone())
        .expect("scale");
    assert_eq!((severity.min, severity.max), (1, 5));
    assert_eq!(
        severity.labels,
        [
            ScaleLabel {
                value: 1,
                label: "Negligible".into()
            },
            ScaleLabel {
                value: 5,
                label: "Severe".into()
            }
        ]
    );
    assert_eq!(
        severity.level_from,
        [
            Threshold {
                at_least: 3,
                level: "medium".into()
            },
            Threshold {
                at_least: 4,
                level: "high".into()
            }
        ]
    );
    let reversible = t
        .question("reversible")
        .and_then(|q| q.scale.clone())
        .expect("scale");
    let labels: Vec<(i64, &str)> = reversible
        .labels
        .iter()
        .map(|l| (l.value, l.label.as_str()))
        .collect();
    assert_eq!(
        labels,
        [(0, "Easily"), (1, "With effort"), (2, "Not at all")]
    );
    assert_eq!(
        t.question("biometric")
            .and_then(|q| q.level_if_yes.as_deref()),
        Some("high")
    );
    assert_eq!(t.rules.len(), 4);
    assert_eq!(
        t.rules[1].when,
        [
            Condition {
                question: "biometric".into(),
                test: Test::Equals(Expected::Bool(true)),
            },
            Condition {
                question: "groups".into(),
                test: Test::Includes("public".into()),
            },
        ]
    );
    assert_eq!(t.rules[2].when[0].test, Test::AtLeast(5));
    assert_eq!(t.level_rank("high"), Some(2));
    assert_eq!(t.level_rank("urgent"), None);
}

#[test]
fn the_library_holds_templates_and_load_source_refuses_them() {
    let library = load_layers(&[vec![source("templates/demo.yaml", TEMPLATE)]]).expect("loads");
    assert_eq!(library.templates.len(), 1);
    assert_eq!(
        library.template("demo-impact").map(|t| t.name.as_str()),
        Some("Demo impact assessment")
    );
    assert!(library.template("nope").is_none());
    let err = load_source(&source("templates/demo.yaml", TEMPLATE)).expect_err("not a framework");
    assert_eq!(
        err.problems()[0].to_string(),
        "templates/demo.yaml: an `aims-assessment-template/1` file, where a framework or a crosswalk was expected"
    );
}

#[test]
fn templates_serialise_as_json_and_back() {
    let t = template();
    let json = serde_json::to_value(&t).expect("serialises");
    assert_eq!(
        json["rules"][1]["when"],
        json!([
            {"question": "biometric", "equals": true},
            {"question": "groups", "includes": "public"}
        ])
    );
    assert_eq!(
        json["sections"][1]["questions"][0]["kind"],
        "multiple_choice"
    );
    let back: AssessmentTemplate = serde_json::from_value(json).expect("deserialises");
    assert_eq!(back, t);
}

#[test]
fn good_answers_pass_for_every_kind() {
    let t = template();
    let good = json!({
        "purpose": "Sorting job applications.",
        "notes": "",
        "decision": "advice",
        "groups": ["staff", "public"],
        "severity": 5,
        "reversible": 0,
        "biometric": false,
    });
    assert_eq!(problems(&t, good), Vec::<String>::new());
    // `null` means "not answered", and an empty list is a (blank) answer of the right type.
    let blank = json!({"purpose": null, "groups": [], "severity": null});
    assert_eq!(problems(&t, blank), Vec::<String>::new());
}

#[test]
fn bad_answers_say_what_was_expected() {
    let t = template();
    let bad = json!({
        "purpose": 12,
        "decision": "maybe",
        "groups": "staff",
        "severity": 7,
        "reversible": "two",
        "biometric": "yes",
        "colour": "blue",
    });
    assert_eq!(
        problems(&t, bad),
        [
            "purpose: expected a string, found an integer",
            "decision: `maybe` is not an option; expected one of: advice, decides, other",
            "groups: expected a list of values from: staff, children, public; found a string",
            "severity: expected an integer from 1 to 5, found 7",
            "reversible: expected an integer from 0 to 2, found a string",
            "biometric: expected true (yes) or false (no), found a string",
            "colour: no question of template `demo-impact` has this id",
        ]
    );
    let more = json!({
        "decision": ["advice"],
        "groups": ["staff", "pets"],
        "severity": 2.5,
        "biometric": 1,
    });
    assert_eq!(
        problems(&t, more),
        [
            "decision: expected one of: advice, decides, other; found a list",
            "groups: `pets` is not an option; expected values from: staff, children, public",
            "severity: expected an integer from 1 to 5, found a number",
            "biometric: expected true (yes) or false (no), found an integer",
        ]
    );
    let twice = json!({"groups": ["staff", "staff"], "severity": 0});
    assert_eq!(
        t.check_answers(&answers(twice)),
        [
            AnswerProblem {
                question: "groups".into(),
                message: "`staff` is listed twice".into()
            },
            AnswerProblem {
                question: "severity".into(),
                message: "expected an integer from 1 to 5, found 0".into()
            },
        ]
    );
    let not_strings = json!({"groups": [1]});
    assert_eq!(
        problems(&t, not_strings),
        [
            "groups: expected a list of values from: staff, children, public; found an integer in the list"
        ]
    );
    let long = json!({"purpose": "x".repeat(20_001)});
    assert_eq!(
        problems(&t, long),
        ["purpose: expected at most 20000 characters, found 20001"]
    );
}

#[test]
fn missing_required_lists_unanswered_and_blank_questions() {
    let t = template();
    let ids = |value: Value| -> Vec<String> {
        t.missing_required(&answers(value))
            .iter()
            .map(|q| q.id.clone())
            .collect()
    };
    assert_eq!(
        ids(json!({})),
        ["purpose", "decision", "groups", "severity", "biometric"]
    );
    // Optional questions never count; blank strings, empty lists and null are no answer;
    // `false` is an answer.
    assert_eq!(
        ids(json!({
            "purpose": "   ",
            "decision": "advice",
            "groups": [],
            "severity": null,
            "biometric": false,
        })),
        ["purpose", "groups", "severity"]
    );
    assert_eq!(
        ids(json!({
            "purpose": "Triage.",
            "decision": "advice",
            "groups": ["staff"],
            "severity": 1,
            "biometric": true,
        })),
        Vec::<String>::new()
    );
}

#[test]
fn with_nothing_indicated_the_level_is_the_lowest() {
    let t = template();
    let outcome = t.evaluate(&answers(json!({})));
    assert_eq!(outcome.level, "low");
    assert_eq!(outcome.reasons, []);
    let outcome = t.evaluate(&answers(json!({"purpose": "x", "decision": "other"})));
    assert_eq!(outcome.level, "low");
    assert_eq!(outcome.reasons, []);
}

#[test]
fn evaluate_picks_the_highest_level_and_explains() {
    let t = template();
    let outcome = t.evaluate(&answers(json!({
        "decision": "decides",
        "groups": ["staff", "public"],
        "severity": 4,
        "reversible": 2,
        "biometric": true,
    })));
    assert_eq!(outcome.level, "very-high");
    assert_eq!(
        outcome.reasons,
        [
            reason(
                "biometric",
                "very-high",
                "Biometrics used on the public.",
                Some(1)
            ),
            reason("decision", "high", "answered “It decides alone”", None),
            reason("severity", "high", "answered 4, at least 4", None),
            reason("biometric", "high", "answered yes", None),
            reason("groups", "medium", "selected “Staff”", None),
            reason("decision", "medium", "Decisions without a person.", Some(0)),
        ]
    );
}

#[test]
fn each_source_of_a_level_counts() {
    let t = template();
    let level = |value: Value| t.evaluate(&answers(value)).level;
    // An option of a single choice.
    assert_eq!(level(json!({"decision": "decides"})), "high");
    // Any selected option of a multiple choice.
    assert_eq!(
        level(json!({"groups": ["public", "children"]})),
        "very-high"
    );
    // A scale threshold: the highest one reached.
    assert_eq!(level(json!({"severity": 2})), "low");
    assert_eq!(level(json!({"severity": 3})), "medium");
    let outcome = t.evaluate(&answers(json!({"severity": 5})));
    assert_eq!(outcome.level, "very-high");
    assert_eq!(
        outcome.reasons,
        [
            reason(
                "severity",
                "very-high",
                "The worst harm is severe.",
                Some(2)
            ),
            reason("severity", "high", "answered 5 (Severe), at least 4", None),
        ]
    );
    // yes_no: only "yes" indicates `level_if_yes`; a rule may test "no".
    assert_eq!(level(json!({"biometric": true})), "high");
    let outcome = t.evaluate(&answers(json!({"biometric": false})));
    assert_eq!(outcome.level, "low");
    assert_eq!(
        outcome.reasons,
        [reason("biometric", "low", "No biometric data.", Some(3))]
    );
    // A rule needs all its conditions.
    assert_eq!(
        level(json!({"biometric": true, "groups": ["staff"]})),
        "high"
    );
}

#[test]
fn invalid_answers_indicate_nothing() {
    let t = template();
    let outcome = t.evaluate(&answers(json!({
        "decision": "DECIDES",
        "severity": 9,
        "groups": ["children", "pets"],
        "biometric": "yes",
    })));
    assert_eq!(outcome.level, "low");
    assert_eq!(outcome.reasons, []);
}

// ---- Validation of template files ----

fn load_problems(files: &[(&str, &str)]) -> Vec<String> {
    let sources = files.iter().map(|(p, t)| source(p, t)).collect();
    match load_layers(&[sources]) {
        Ok(_) => Vec::new(),
        Err(err) => err.problems().iter().map(ToString::to_string).collect(),
    }
}

fn assert_problems(files: &[(&str, &str)], expected: &[&str]) {
    let found = load_problems(files);
    assert_eq!(found, expected, "\nfound:\n{}\n", found.join("\n"));
}

const HEADER: &str = "format: aims-assessment-template/1
id: bad
name: Bad
version: \"1\"
description: Faulty.
levels: [low, medium, high]
";

#[test]
fn kinds_options_scales_and_levels() {
    let text = format!(
        "{HEADER}sections:
  - id: s
    title: S
    questions:
      - id: q1
        text: Kind?
        kind: essay
        options: []
      - id: q2
        text: Choice
        kind: single_choice
        options:
          - {{value: a, label: A, level: extreme}}
          - {{value: a, label: Again}}
        scale: {{min: 1, max: 3}}
      - id: q3
        text: Reversed scale
        kind: scale
        scale:
          min: 5
          max: 1
      - id: q4
        text: Wide scale
        kind: scale
        scale:
          min: 0
          max: 20
      - id: q5
        text: Yes?
        kind: text
        level_if_yes: high
      - id: q1
        text: Again
        kind: multiple_choice
      - id: q6
        text: Labels
        kind: scale
        scale:
          min: 1
          max: 3
          labels: [One, Two]
          level_from:
            - {{at_least: 4, level: high}}
            - {{at_least: 4, level: urgent}}
      - id: q7
        text: Lonely option
        kind: single_choice
        options:
          - {{value: only, label: Only}}
      - id: q8
        text: No scale
        kind: scale
"
    );
    assert_problems(
        &[("t.yaml", &text)],
        &[
            "t.yaml:13: sections[0].questions[0].kind: unknown kind `essay`; allowed: text, single_choice, multiple_choice, scale, yes_no",
            "t.yaml:19: sections[0].questions[1].options[0].level: `extreme` is not a level of this template; levels: low, medium, high",
            "t.yaml:20: sections[0].questions[1].options[1].value: duplicate option value `a` (first at options[0])",
            "t.yaml:21: sections[0].questions[1].scale: only scale questions have a scale; this question is single_choice",
            "t.yaml:27: sections[0].questions[2].scale.max: must be greater than min (5); found 1",
            "t.yaml:32: sections[0].questions[3].scale: from 0 to 20 is 20 steps; at most 10 are allowed",
            "t.yaml:37: sections[0].questions[4].level_if_yes: only yes_no questions have `level_if_yes`; this question is text",
            "t.yaml:38: sections[0].questions[5].options: missing; required for multiple_choice questions",
            "t.yaml:38: sections[0].questions[5].id: duplicate question id `q1` (first at sections[0].questions[0], line 11)",
            "t.yaml:47: sections[0].questions[6].scale.labels: lists 2 labels; a list names every value from 1 to 3, so it needs 3; to name only some values use a mapping such as {1: …, 3: …}",
            "t.yaml:49: sections[0].questions[6].scale.level_from[0].at_least: 4 is outside the scale (1 to 3)",
            "t.yaml:50: sections[0].questions[6].scale.level_from[1].level: `urgent` is not a level of this template; levels: low, medium, high",
            "t.yaml:50: sections[0].questions[6].scale.level_from[1].at_least: 4 is outside the scale (1 to 3)",
            "t.yaml:50: sections[0].questions[6].scale.level_from[1].at_least: duplicate threshold 4 (first at level_from[0])",
            "t.yaml:55: sections[0].questions[7].options: must list at least two options",
            "t.yaml:56: sections[0].questions[8].scale: missing; required for scale questions",
        ],
    );
}

#[test]
fn rules_name_real_questions_options_and_levels() {
    let text = format!(
        "{HEADER}sections:
  - id: s
    title: S
    questions:
      - id: choice
        text: Choice
        kind: single_choice
        options:
          - {{value: a, label: A}}
          - {{value: b, label: B}}
      - id: many
        text: Many
        kind: multiple_choice
        options:
          - {{value: x, label: X}}
          - {{value: y, label: Y}}
      - id: size
        text: Size
        kind: scale
        scale: {{min: 1, max: 5}}
      - id: flag
        text: Flag
        kind: yes_no
      - id: free
        text: Free
        kind: text
rules:
  - when: {{question: nope, equals: a}}
    level: high
    reason: Unknown question.
  - when: {{question: choice, equals: c}}
    level: high
    reason: Unknown option.
  - when: {{question: many, includes: z}}
    level: high
    reason: Unknown option of a multiple choice.
  - when: {{question: size, includes: x}}
    level: high
    reason: Wrong test for a scale.
  - when: {{question: size, at_least: 9}}
    level: high
    reason: Out of the scale.
  - when: {{question: flag, equals: \"yes\"}}
    level: high
    reason: A string for a yes_no.
  - when: {{question: free, equals: anything}}
    level: high
    reason: Text cannot be tested.
  - when: {{question: size, at_least: 2, equals: a}}
    level: urgent
    reason: Two tests.
  - when: {{question: choice}}
    level: high
    reason: No test.
  - when: []
    level: high
    reason: Nothing.
  - when: often
    level: high
    reason: Not a condition.
  - when:
      - {{question: choice, equals: a}}
      - {{question: flag, equals: 3}}
    level: high
    reason: Bad value.
"
    );
    assert_problems(
        &[("t.yaml", &text)],
        &[
            "t.yaml:34: rules[0].when.question: `nope` is not a question of this template",
            "t.yaml:37: rules[1].when.equals: `c` is not an option of question `choice`; options: a, b",
            "t.yaml:40: rules[2].when.includes: `z` is not an option of question `many`; options: x, y",
            "t.yaml:43: rules[3].when.includes: question `size` is scale; test it with `at_least` and a value of its scale",
            "t.yaml:46: rules[4].when.at_least: 9 is outside the scale of question `size` (1 to 5)",
            "t.yaml:49: rules[5].when.equals: question `flag` is yes_no: compare it with true or false",
            "t.yaml:52: rules[6].when.equals: question `free` is text; test it with nothing: text answers are not tested",
            "t.yaml:55: rules[7].when.at_least: a condition has one test, found `equals` and `at_least`; list several conditions under `when` to combine them",
            "t.yaml:56: rules[7].level: `urgent` is not a level of this template; levels: low, medium, high",
            "t.yaml:58: rules[8].when: needs a test: one of equals, includes, at_least",
            "t.yaml:61: rules[9].when: must list at least one condition",
            "t.yaml:64: rules[10].when: expected a condition or a list of conditions, found a string",
            "t.yaml:69: rules[11].when[1].equals: expected an option value or true/false, found an integer",
        ],
    );
}

#[test]
fn structure_ids_and_unknown_keys() {
    let text = "format: aims-assessment-template/1
id: Bad_Id
name: Bad
version: 1
description: Faulty.
levels: [low, Low, low]
colour: blue
sections:
  - id: s
    title: S
    questions:
      - id: Q 1
        text: Q
        kind: yes_no
        type: text
        required: sometimes
  - id: s
    title: Again
    questions: []
  - id: t
    title: T
    questions:
      - id: r
        text: R
        kind: scale
        scale:
          min: one
          max: 3
          labels: {1: One, two: Two, 01: Again, 9: Nine}
";
    assert_problems(
        &[("t.yaml", text)],
        &[
            "t.yaml:2: id: `Bad_Id` is not a valid id: use lower-case letters, digits, `.` and `-`, starting with a letter or digit",
            "t.yaml:4: version: expected a string, found an integer; quote it: \"1\"",
            "t.yaml:6: levels[1]: `Low` is not a valid id: use lower-case letters, digits, `.` and `-`, starting with a letter or digit",
            "t.yaml:6: levels[2]: duplicate level `low` (first at levels[0])",
            "t.yaml:7: colour: unknown key; allowed keys: format, id, name, version, description, applies_to, levels, sections, rules",
            "t.yaml:12: sections[0].questions[0].id: `Q 1` is not a valid id: use lower-case letters, digits, `.` and `-`, starting with a letter or digit",
            "t.yaml:15: sections[0].questions[0].type: unknown key; allowed keys: id, text, kind, guidance, required, options, scale, level_if_yes",
            "t.yaml:16: sections[0].questions[0].required: expected true or false, found a string",
            "t.yaml:17: sections[1].id: duplicate section id `s` (first at sections[0], line 9)",
            "t.yaml:19: sections[1].questions: must list at least one question",
            "t.yaml:27: sections[2].questions[0].scale.min: expected an integer, found a string",
            "t.yaml:29: sections[2].questions[0].scale.labels.two: `two` is not an integer: the keys of `labels` are values of the scale",
            "t.yaml:29: sections[2].questions[0].scale.labels.01: duplicate key (first on line 29)",
        ],
    );
}

#[test]
fn too_few_levels_and_empty_sections() {
    let text = "format: aims-assessment-template/1
id: t
name: T
version: \"1\"
description: T.
levels: [only]
sections: []
";
    assert_problems(
        &[("t.yaml", text)],
        &[
            "t.yaml:6: levels: must list at least two levels, lowest first",
            "t.yaml:7: sections: must list at least one section",
        ],
    );
    assert_problems(
        &[("t.yaml", "format: aims-assessment-template/1\nid: t\n")],
        &[
            "t.yaml:1: name: missing required key",
            "t.yaml:1: version: missing required key",
            "t.yaml:1: description: missing required key",
            "t.yaml:1: levels: missing required key",
            "t.yaml:1: sections: missing required key",
        ],
    );
}

#[test]
fn scale_labels_outside_the_range() {
    let text = format!(
        "{HEADER}sections:
  - id: s
    title: S
    questions:
      - id: r
        text: R
        kind: scale
        scale:
          min: 1
          max: 3
          labels: {{0: Zero, 3: Three}}
"
    );
    assert_problems(
        &[("t.yaml", &text)],
        &["t.yaml:17: sections[0].questions[0].scale.labels.0: 0 is outside the scale (1 to 3)"],
    );
}

#[test]
fn template_ids_are_unique_in_a_layer_and_replaced_by_a_later_one() {
    assert_problems(
        &[
            ("templates/a.yaml", TEMPLATE),
            ("templates/b.yaml", TEMPLATE),
        ],
        &[
            "templates/b.yaml:2: id: template id `demo-impact` is already used by templates/a.yaml:2",
        ],
    );
    let renamed = TEMPLATE.replace("name: Demo impact assessment", "name: Renamed");
    let library = load_layers(&[
        vec![source("bundled/demo.yaml", TEMPLATE)],
        vec![source("mine/demo.yaml", &renamed)],
    ])
    .expect("a later layer replaces");
    assert_eq!(library.templates.len(), 1);
    assert_eq!(library.templates[0].name, "Renamed");
}

/// The YAML examples of `docs/library-format.md` for the two newer formats are valid files,
/// so that the documentation cannot drift from the format.
#[test]
fn the_documented_examples_load() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/library-format.md"),
    )
    .expect("docs/library-format.md");
    let blocks: Vec<&str> = doc
        .split("```yaml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .collect();
    let example = |format: &str| -> Source {
        let text = blocks
            .iter()
            .find(|b| b.starts_with(&format!("format: {format}")))
            .unwrap_or_else(|| panic!("no example of {format}"));
        source(&format!("{format}.yaml"), text)
    };
    let template = example("aims-assessment-template/1");
    let taxonomy = example("aims-risk-sources/1");
    let library = match load_layers(&[vec![template, taxonomy]]) {
        Ok(library) => library,
        Err(err) => panic!("{err}"),
    };
    let t = library
        .template("impact-individuals-groups")
        .expect("the example template");
    assert_eq!(t.questions().count(), 4);
    let outcome = t.evaluate(&answers(json!({
        "decision-role": "automatic",
        "harm-severity": 4,
    })));
    assert_eq!(outcome.level, "very-high");
    assert_eq!(
        library
            .risk_source("data-quality")
            .and_then(|s| s.annex_c.as_deref()),
        Some("C.3.4")
    );
}

#[test]
fn counts_and_integers_are_bounded() {
    let mut text = format!("{HEADER}sections:\n  - id: s\n    title: S\n    questions:\n");
    for i in 0..501 {
        text.push_str(&format!(
            "      - {{id: q{i}, text: Question {i}, kind: text}}\n"
        ));
    }
    assert_problems(
        &[("t.yaml", &text)],
        &["t.yaml:8: sections: 501 questions; at most 500 are allowed"],
    );
    let text = format!(
        "{HEADER}sections:
  - id: s
    title: S
    questions:
      - id: r
        text: R
        kind: scale
        scale: {{min: 1, max: 99999999999999999999}}
"
    );
    assert_problems(
        &[("t.yaml", &text)],
        &["t.yaml:14: sections[0].questions[0].scale.max: `99999999999999999999` is too large"],
    );
}
