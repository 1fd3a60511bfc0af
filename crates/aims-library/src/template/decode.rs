//! Turns a YAML tree into an [`AssessmentTemplate`], reporting every problem of the file:
//! first the shape of each field (as `crate::decode` does for frameworks), then, on the typed
//! values, the rules that tie fields together — kinds and their options or scale, declared
//! levels, unique ids, rules that name real questions and option values.
//!
//! A faulty field gets a placeholder, and its path goes into `placeholders` so that the
//! checks which depend on it are skipped instead of reporting a second, derived problem
//! (a question of unknown kind is not told that its options are on the wrong kind).

use std::collections::{HashMap, HashSet};

use super::{
    AssessmentTemplate, ChoiceOption, Condition, Expected, MAX_LEVELS, MAX_OPTIONS, MAX_QUESTIONS,
    MAX_RULES, MAX_SCALE_SPAN, Question, QuestionKind, Rule, Scale, ScaleLabel, Section, Test,
    Threshold,
};
use crate::decode::{
    Ctx, Lines, boolean, check_id, check_id_at, check_length, describe, integer, join, list,
    mapping, string, string_list,
};
use crate::yaml::{Kind, ScalarType, Value, resolve};

/// A template as decoded from one file, with the lines of its fields.
#[derive(Debug, Clone)]
pub struct TemplateDoc {
    pub template: AssessmentTemplate,
    pub lines: Lines,
    /// Paths of values that were faulty and replaced: dependent checks skip them.
    placeholders: HashSet<String>,
    /// The path of each condition of each rule: `rules[0].when`, or `rules[0].when[1]` when
    /// `when` is a list.
    conditions: Vec<Vec<String>>,
}

const KEYS: &[&str] = &[
    "format",
    "id",
    "name",
    "version",
    "description",
    "applies_to",
    "levels",
    "sections",
    "rules",
];
const REQUIRED: &[&str] = &[
    "format",
    "id",
    "name",
    "version",
    "description",
    "levels",
    "sections",
];
const SECTION_KEYS: &[&str] = &["id", "title", "description", "questions"];
const SECTION_REQUIRED: &[&str] = &["id", "title", "questions"];
const QUESTION_KEYS: &[&str] = &[
    "id",
    "text",
    "kind",
    "guidance",
    "required",
    "options",
    "scale",
    "level_if_yes",
];
const QUESTION_REQUIRED: &[&str] = &["id", "text", "kind"];
const OPTION_KEYS: &[&str] = &["value", "label", "level"];
const OPTION_REQUIRED: &[&str] = &["value", "label"];
const SCALE_KEYS: &[&str] = &["min", "max", "labels", "level_from"];
const SCALE_REQUIRED: &[&str] = &["min", "max"];
const THRESHOLD_KEYS: &[&str] = &["at_least", "level"];
const RULE_KEYS: &[&str] = &["when", "level", "reason"];
const CONDITION_KEYS: &[&str] = &["question", "equals", "includes", "at_least"];
const TESTS: &[&str] = &["equals", "includes", "at_least"];

/// Decodes a template file; the rules of one file are checked too.
pub fn decode(ctx: &mut Ctx<'_>, root: &Value) -> TemplateDoc {
    let mut lines = Lines::default();
    lines.set("", root.line);
    let mut placeholders = HashSet::new();
    let fields = mapping(ctx, root, "", KEYS, REQUIRED, &mut lines).unwrap_or_default();
    let text = |ctx: &mut Ctx<'_>, key: &str| fields.get(key).and_then(|v| string(ctx, v, key));
    let _format = text(ctx, "format");
    let id = text(ctx, "id").unwrap_or_default();
    let name = text(ctx, "name").unwrap_or_default();
    let version = text(ctx, "version").unwrap_or_default();
    let description = text(ctx, "description").unwrap_or_default();
    let applies_to = text(ctx, "applies_to");
    let before = ctx.problems.len();
    let levels = fields
        .get("levels")
        .map(|v| string_list(ctx, v, "levels", &mut lines))
        .unwrap_or_default();
    if ctx.problems.len() > before {
        // Some level is missing from the list: references to levels cannot be judged.
        placeholders.insert("levels".to_owned());
    }
    let mut sections = Vec::new();
    if let Some(value) = fields.get("sections") {
        for (i, item) in list(ctx, value, "sections")
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let path = format!("sections[{i}]");
            sections.push(section(ctx, item, &path, &mut lines, &mut placeholders));
        }
    }
    let mut rules = Vec::new();
    let mut conditions = Vec::new();
    if let Some(value) = fields.get("rules") {
        for (i, item) in list(ctx, value, "rules")
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let path = format!("rules[{i}]");
            let (rule, paths) = rule(ctx, item, &path, &mut lines, &mut placeholders);
            rules.push(rule);
            conditions.push(paths);
        }
    }
    let doc = TemplateDoc {
        template: AssessmentTemplate {
            id,
            name,
            version,
            description,
            applies_to,
            levels,
            sections,
            rules,
        },
        lines,
        placeholders,
        conditions,
    };
    check(ctx, &doc);
    doc
}

fn section(
    ctx: &mut Ctx<'_>,
    value: &Value,
    path: &str,
    lines: &mut Lines,
    placeholders: &mut HashSet<String>,
) -> Section {
    let fields =
        mapping(ctx, value, path, SECTION_KEYS, SECTION_REQUIRED, lines).unwrap_or_default();
    let text = |ctx: &mut Ctx<'_>, key: &str| {
        fields
            .get(key)
            .and_then(|v| string(ctx, v, &join(path, key)))
    };
    let id = text(ctx, "id").unwrap_or_default();
    let title = text(ctx, "title").unwrap_or_default();
    let description = text(ctx, "description");
    let mut questions = Vec::new();
    if let Some(value) = fields.get("questions") {
        let field = join(path, "questions");
        for (j, item) in list(ctx, value, &field)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let path = format!("{field}[{j}]");
            questions.push(question(ctx, item, &path, lines, placeholders));
        }
    }
    Section {
        id,
        title,
        description,
        questions,
    }
}

fn question(
    ctx: &mut Ctx<'_>,
    value: &Value,
    path: &str,
    lines: &mut Lines,
    placeholders: &mut HashSet<String>,
) -> Question {
    let fields =
        mapping(ctx, value, path, QUESTION_KEYS, QUESTION_REQUIRED, lines).unwrap_or_default();
    let text = |ctx: &mut Ctx<'_>, key: &str| {
        fields
            .get(key)
            .and_then(|v| string(ctx, v, &join(path, key)))
    };
    let id = text(ctx, "id").unwrap_or_default();
    let question_text = text(ctx, "text").unwrap_or_default();
    let guidance = text(ctx, "guidance");
    let level_if_yes = text(ctx, "level_if_yes");
    let kind = fields.get("kind").and_then(|v| {
        let field = join(path, "kind");
        let name = string(ctx, v, &field)?;
        let kind = QuestionKind::parse(&name);
        if kind.is_none() {
            ctx.report(
                v.line,
                &field,
                format!(
                    "unknown kind `{name}`; allowed: {}",
                    QuestionKind::allowed()
                ),
            );
        }
        kind
    });
    if kind.is_none() {
        placeholders.insert(path.to_owned());
    }
    let required = fields
        .get("required")
        .and_then(|v| boolean(ctx, v, &join(path, "required")))
        .unwrap_or(true);
    let mut options = Vec::new();
    if let Some(value) = fields.get("options") {
        let field = join(path, "options");
        for (k, item) in list(ctx, value, &field)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            options.push(option(ctx, item, &format!("{field}[{k}]"), lines));
        }
    }
    let scale = fields
        .get("scale")
        .and_then(|v| scale(ctx, v, &join(path, "scale"), lines, placeholders));
    Question {
        id,
        text: question_text,
        kind: kind.unwrap_or(QuestionKind::Text),
        guidance,
        required,
        options,
        scale,
        level_if_yes,
    }
}

fn option(ctx: &mut Ctx<'_>, value: &Value, path: &str, lines: &mut Lines) -> ChoiceOption {
    let fields = mapping(ctx, value, path, OPTION_KEYS, OPTION_REQUIRED, lines).unwrap_or_default();
    let mut text = |key: &str| {
        fields
            .get(key)
            .and_then(|v| string(ctx, v, &join(path, key)))
    };
    ChoiceOption {
        value: text("value").unwrap_or_default(),
        label: text("label").unwrap_or_default(),
        level: text("level"),
    }
}

/// `None` when the value is not a mapping; placeholder `min` and `max` (and the scale's
/// path in `placeholders`) when either is faulty.
fn scale(
    ctx: &mut Ctx<'_>,
    value: &Value,
    path: &str,
    lines: &mut Lines,
    placeholders: &mut HashSet<String>,
) -> Option<Scale> {
    let fields = mapping(ctx, value, path, SCALE_KEYS, SCALE_REQUIRED, lines)?;
    let min = fields
        .get("min")
        .and_then(|v| integer(ctx, v, &join(path, "min")));
    let max = fields
        .get("max")
        .and_then(|v| integer(ctx, v, &join(path, "max")));
    let range = min.zip(max);
    if range.is_none() {
        placeholders.insert(path.to_owned());
    }
    let labels = fields
        .get("labels")
        .map(|v| labels(ctx, v, &join(path, "labels"), range, lines))
        .unwrap_or_default();
    let mut level_from = Vec::new();
    if let Some(value) = fields.get("level_from") {
        let field = join(path, "level_from");
        for (k, item) in list(ctx, value, &field)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let path = format!("{field}[{k}]");
            let fields = mapping(ctx, item, &path, THRESHOLD_KEYS, THRESHOLD_KEYS, lines)
                .unwrap_or_default();
            let at_least = fields
                .get("at_least")
                .and_then(|v| integer(ctx, v, &join(&path, "at_least")));
            let level = fields
                .get("level")
                .and_then(|v| string(ctx, v, &join(&path, "level")));
            if at_least.is_none() {
                placeholders.insert(path);
            }
            level_from.push(Threshold {
                at_least: at_least.unwrap_or_default(),
                level: level.unwrap_or_default(),
            });
        }
    }
    Some(Scale {
        min: min.unwrap_or_default(),
        max: max.unwrap_or_default(),
        labels,
        level_from,
    })
}

/// Labels as a list (one per value, from `min` to `max`) or as a mapping from values to
/// labels (some values only). Checked here, where the keys as written are still at hand.
fn labels(
    ctx: &mut Ctx<'_>,
    value: &Value,
    path: &str,
    range: Option<(i64, i64)>,
    lines: &mut Lines,
) -> Vec<ScaleLabel> {
    // Only a range that is itself valid can judge its labels.
    let range = range.filter(|(min, max)| {
        min < max
            && max
                .checked_sub(*min)
                .is_some_and(|span| span <= MAX_SCALE_SPAN)
    });
    let mut out = Vec::new();
    match &value.kind {
        Kind::Seq(items) => {
            let start = range.map_or(0, |(min, _)| min);
            for (i, item) in items.iter().enumerate() {
                let field = format!("{path}[{i}]");
                lines.set(&field, item.line);
                if let Some(label) = string(ctx, item, &field) {
                    check_length(ctx, lines, &field, &label);
                    out.push(ScaleLabel {
                        value: start + i as i64,
                        label,
                    });
                }
            }
            if let Some((min, max)) = range
                && items.len() as i64 != max - min + 1
            {
                ctx.report(
                    value.line,
                    path,
                    format!(
                        "lists {} labels; a list names every value from {min} to {max}, so it needs {}; to name only some values use a mapping such as {{{min}: …, {max}: …}}",
                        items.len(),
                        max - min + 1
                    ),
                );
            }
        }
        Kind::Map(entries) => {
            let mut seen: HashMap<i64, usize> = HashMap::new();
            for (key, item) in entries {
                let field = join(path, &key.text);
                lines.set(&field, item.line);
                let Ok(n) = key.text.parse::<i64>() else {
                    ctx.report(
                        key.line,
                        &field,
                        format!(
                            "`{}` is not an integer: the keys of `labels` are values of the scale",
                            key.text
                        ),
                    );
                    continue;
                };
                if let Some(first) = seen.get(&n) {
                    ctx.report(
                        key.line,
                        &field,
                        format!("duplicate key (first on line {first})"),
                    );
                    continue;
                }
                seen.insert(n, key.line);
                if let Some((min, max)) = range
                    && !(min..=max).contains(&n)
                {
                    ctx.report(
                        key.line,
                        &field,
                        format!("{n} is outside the scale ({min} to {max})"),
                    );
                }
                if let Some(label) = string(ctx, item, &field) {
                    check_length(ctx, lines, &field, &label);
                    out.push(ScaleLabel { value: n, label });
                }
            }
            out.sort_by_key(|l| l.value);
        }
        Kind::Scalar { .. } => ctx.report(
            value.line,
            path,
            format!(
                "expected a list or a mapping of labels, found {}",
                describe(value)
            ),
        ),
    }
    out
}

fn rule(
    ctx: &mut Ctx<'_>,
    value: &Value,
    path: &str,
    lines: &mut Lines,
    placeholders: &mut HashSet<String>,
) -> (Rule, Vec<String>) {
    let fields = mapping(ctx, value, path, RULE_KEYS, RULE_KEYS, lines).unwrap_or_default();
    let mut text = |key: &str| {
        fields
            .get(key)
            .and_then(|v| string(ctx, v, &join(path, key)))
            .unwrap_or_default()
    };
    let level = text("level");
    let reason = text("reason");
    let mut when = Vec::new();
    let mut paths = Vec::new();
    if let Some(value) = fields.get("when") {
        let field = join(path, "when");
        match &value.kind {
            Kind::Map(_) => {
                when.push(condition(ctx, value, &field, lines, placeholders));
                paths.push(field);
            }
            Kind::Seq(items) => {
                if items.is_empty() {
                    ctx.report(value.line, &field, "must list at least one condition");
                }
                for (k, item) in items.iter().enumerate() {
                    let path = format!("{field}[{k}]");
                    when.push(condition(ctx, item, &path, lines, placeholders));
                    paths.push(path);
                }
            }
            Kind::Scalar { .. } => ctx.report(
                value.line,
                &field,
                format!(
                    "expected a condition or a list of conditions, found {}",
                    describe(value)
                ),
            ),
        }
    }
    (
        Rule {
            when,
            level,
            reason,
        },
        paths,
    )
}

fn condition(
    ctx: &mut Ctx<'_>,
    value: &Value,
    path: &str,
    lines: &mut Lines,
    placeholders: &mut HashSet<String>,
) -> Condition {
    let placeholder = |placeholders: &mut HashSet<String>| {
        placeholders.insert(path.to_owned());
        Condition {
            question: String::new(),
            test: Test::AtLeast(0),
        }
    };
    let Some(fields) = mapping(ctx, value, path, CONDITION_KEYS, &["question"], lines) else {
        return placeholder(placeholders);
    };
    let question = fields
        .get("question")
        .and_then(|v| string(ctx, v, &join(path, "question")));
    let tests: Vec<(&str, &Value)> = TESTS
        .iter()
        .filter_map(|key| fields.get(key).map(|v| (*key, *v)))
        .collect();
    let test = match tests.as_slice() {
        [] => {
            ctx.report(
                value.line,
                path,
                format!("needs a test: one of {}", TESTS.join(", ")),
            );
            None
        }
        [(key, value)] => decode_test(ctx, key, value, &join(path, key)),
        [(first, _), (second, value), ..] => {
            ctx.report(
                value.line,
                &join(path, second),
                format!(
                    "a condition has one test, found `{first}` and `{second}`; list several conditions under `when` to combine them"
                ),
            );
            None
        }
    };
    match (question, test) {
        (Some(question), Some(test)) => Condition { question, test },
        _ => placeholder(placeholders),
    }
}

fn decode_test(ctx: &mut Ctx<'_>, key: &str, value: &Value, path: &str) -> Option<Test> {
    match key {
        "equals" => {
            if let Kind::Scalar { text, plain } = &value.kind
                && let ScalarType::Bool(b) = resolve(text, *plain)
            {
                return Some(Test::Equals(Expected::Bool(b)));
            }
            if let Kind::Scalar { text, plain } = &value.kind
                && resolve(text, *plain) != ScalarType::Str
            {
                ctx.report(
                    value.line,
                    path,
                    format!(
                        "expected an option value or true/false, found {}",
                        describe(value)
                    ),
                );
                return None;
            }
            string(ctx, value, path).map(|v| Test::Equals(Expected::Value(v)))
        }
        "includes" => string(ctx, value, path).map(Test::Includes),
        _ => integer(ctx, value, path).map(Test::AtLeast),
    }
}

/// The rules of one template file that go beyond each field's own shape.
pub fn check(ctx: &mut Ctx<'_>, doc: &TemplateDoc) {
    let template = &doc.template;
    let lines = &doc.lines;
    check_id(ctx, &template.id, lines);
    for (key, text) in [
        ("name", Some(&template.name)),
        ("version", Some(&template.version)),
        ("description", Some(&template.description)),
        ("applies_to", template.applies_to.as_ref()),
    ] {
        if let Some(text) = text {
            check_length(ctx, lines, key, text);
        }
    }
    let levels_known = lines.has("levels") && !doc.placeholders.contains("levels");
    if levels_known && template.levels.len() < 2 {
        ctx.report(
            lines.at("levels"),
            "levels",
            "must list at least two levels, lowest first",
        );
    }
    if template.levels.len() > MAX_LEVELS {
        ctx.report(
            lines.at("levels"),
            "levels",
            format!(
                "{} levels; at most {MAX_LEVELS} are allowed",
                template.levels.len()
            ),
        );
    }
    let mut seen_levels: HashMap<&str, usize> = HashMap::new();
    for (i, level) in template.levels.iter().enumerate() {
        let path = format!("levels[{i}]");
        check_id_at(ctx, lines, &path, level);
        check_length(ctx, lines, &path, level);
        if let Some(first) = seen_levels.insert(level, i) {
            ctx.report(
                lines.at(&path),
                &path,
                format!("duplicate level `{level}` (first at levels[{first}])"),
            );
        }
    }
    let checker = Checker {
        doc,
        levels_known,
        level_list: template.levels.join(", "),
    };
    if template.sections.is_empty() && lines.has("sections") {
        ctx.report(
            lines.at("sections"),
            "sections",
            "must list at least one section",
        );
    }
    let total = template.questions().count();
    if total > MAX_QUESTIONS {
        ctx.report(
            lines.at("sections"),
            "sections",
            format!("{total} questions; at most {MAX_QUESTIONS} are allowed"),
        );
        return;
    }
    let mut section_ids: HashMap<&str, usize> = HashMap::new();
    // question id → (question, path), for duplicates and for the rules.
    let mut questions: HashMap<&str, (&Question, String)> = HashMap::new();
    for (i, section) in template.sections.iter().enumerate() {
        let path = format!("sections[{i}]");
        let id_path = join(&path, "id");
        check_id_at(ctx, lines, &id_path, &section.id);
        for (key, text) in [
            ("id", Some(&section.id)),
            ("title", Some(&section.title)),
            ("description", section.description.as_ref()),
        ] {
            if let Some(text) = text {
                check_length(ctx, lines, &join(&path, key), text);
            }
        }
        if !section.id.is_empty() {
            if let Some(first) = section_ids.get(section.id.as_str()) {
                ctx.report(
                    lines.at(&id_path),
                    &id_path,
                    format!(
                        "duplicate section id `{}` (first at sections[{first}], line {})",
                        section.id,
                        lines.at(&format!("sections[{first}]"))
                    ),
                );
            } else {
                section_ids.insert(&section.id, i);
            }
        }
        let questions_path = join(&path, "questions");
        if section.questions.is_empty() && lines.has(&questions_path) {
            ctx.report(
                lines.at(&questions_path),
                &questions_path,
                "must list at least one question",
            );
        }
        for (j, question) in section.questions.iter().enumerate() {
            let path = format!("{questions_path}[{j}]");
            checker.question(ctx, question, &path);
            if question.id.is_empty() {
                continue;
            }
            if let Some((_, first)) = questions.get(question.id.as_str()) {
                let field = join(&path, "id");
                ctx.report(
                    lines.at(&field),
                    &field,
                    format!(
                        "duplicate question id `{}` (first at {first}, line {})",
                        question.id,
                        lines.at(first)
                    ),
                );
            } else {
                questions.insert(&question.id, (question, path));
            }
        }
    }
    if template.rules.len() > MAX_RULES {
        ctx.report(
            lines.at("rules"),
            "rules",
            format!(
                "{} rules; at most {MAX_RULES} are allowed",
                template.rules.len()
            ),
        );
        return;
    }
    for (i, rule) in template.rules.iter().enumerate() {
        let path = format!("rules[{i}]");
        check_length(ctx, lines, &join(&path, "reason"), &rule.reason);
        checker.level(ctx, &join(&path, "level"), &rule.level);
        let paths = doc.conditions.get(i).map(Vec::as_slice).unwrap_or_default();
        for (condition, path) in rule.when.iter().zip(paths) {
            checker.condition(ctx, condition, path, &questions);
        }
    }
}

/// The checks that need the whole template at hand.
struct Checker<'d> {
    doc: &'d TemplateDoc,
    /// Whether the levels were read without fault, so that a reference can be judged.
    levels_known: bool,
    level_list: String,
}

impl Checker<'_> {
    fn level(&self, ctx: &mut Ctx<'_>, path: &str, level: &str) {
        if self.levels_known
            && !level.is_empty()
            && !self.doc.template.levels.iter().any(|l| l == level)
        {
            ctx.report(
                self.doc.lines.at(path),
                path,
                format!(
                    "`{level}` is not a level of this template; levels: {}",
                    self.level_list
                ),
            );
        }
    }

    fn question(&self, ctx: &mut Ctx<'_>, question: &Question, path: &str) {
        let lines = &self.doc.lines;
        check_id_at(ctx, lines, &join(path, "id"), &question.id);
        for (key, text) in [
            ("id", Some(&question.id)),
            ("text", Some(&question.text)),
            ("guidance", question.guidance.as_ref()),
        ] {
            if let Some(text) = text {
                check_length(ctx, lines, &join(path, key), text);
            }
        }
        let kind_known = !self.doc.placeholders.contains(path);
        let kind = question.kind;

        let options_path = join(path, "options");
        if kind_known && kind.has_options() {
            if !lines.has(&options_path) {
                ctx.report(
                    lines.at(path),
                    &options_path,
                    format!("missing; required for {kind} questions"),
                );
            } else if question.options.len() < 2 {
                ctx.report(
                    lines.at(&options_path),
                    &options_path,
                    "must list at least two options",
                );
            }
        } else if kind_known && lines.has(&options_path) {
            ctx.report(
                lines.at(&options_path),
                &options_path,
                format!(
                    "only single_choice and multiple_choice questions have options; this question is {kind}"
                ),
            );
        }
        if question.options.len() > MAX_OPTIONS {
            ctx.report(
                lines.at(&options_path),
                &options_path,
                format!(
                    "{} options; at most {MAX_OPTIONS} are allowed",
                    question.options.len()
                ),
            );
        }
        let mut values: HashMap<&str, usize> = HashMap::new();
        for (k, option) in question.options.iter().enumerate() {
            let path = format!("{options_path}[{k}]");
            let value_path = join(&path, "value");
            check_id_at(ctx, lines, &value_path, &option.value);
            check_length(ctx, lines, &value_path, &option.value);
            check_length(ctx, lines, &join(&path, "label"), &option.label);
            if let Some(level) = &option.level {
                self.level(ctx, &join(&path, "level"), level);
            }
            if option.value.is_empty() {
                continue;
            }
            if let Some(first) = values.insert(&option.value, k) {
                ctx.report(
                    lines.at(&value_path),
                    &value_path,
                    format!(
                        "duplicate option value `{}` (first at options[{first}])",
                        option.value
                    ),
                );
            }
        }

        let scale_path = join(path, "scale");
        if kind_known && kind == QuestionKind::Scale && !lines.has(&scale_path) {
            ctx.report(
                lines.at(path),
                &scale_path,
                "missing; required for scale questions",
            );
        } else if kind_known && kind != QuestionKind::Scale && lines.has(&scale_path) {
            ctx.report(
                lines.at(&scale_path),
                &scale_path,
                format!("only scale questions have a scale; this question is {kind}"),
            );
        }
        if let Some(scale) = &question.scale {
            self.scale(ctx, scale, &scale_path);
        }

        let yes_path = join(path, "level_if_yes");
        if let Some(level) = &question.level_if_yes {
            if kind_known && kind != QuestionKind::YesNo {
                ctx.report(
                    lines.at(&yes_path),
                    &yes_path,
                    format!("only yes_no questions have `level_if_yes`; this question is {kind}"),
                );
            }
            self.level(ctx, &yes_path, level);
        }
    }

    fn scale(&self, ctx: &mut Ctx<'_>, scale: &Scale, path: &str) {
        let lines = &self.doc.lines;
        let range_known = !self.doc.placeholders.contains(path);
        let valid_range = range_known
            && if scale.min >= scale.max {
                let field = join(path, "max");
                ctx.report(
                    lines.at(&field),
                    &field,
                    format!(
                        "must be greater than min ({}); found {}",
                        scale.min, scale.max
                    ),
                );
                false
            } else if scale.max.abs_diff(scale.min) > MAX_SCALE_SPAN.unsigned_abs() {
                ctx.report(
                    lines.at(path),
                    path,
                    format!(
                        "from {} to {} is {} steps; at most {MAX_SCALE_SPAN} are allowed",
                        scale.min,
                        scale.max,
                        scale.max.abs_diff(scale.min)
                    ),
                );
                false
            } else {
                true
            };
        let mut seen: HashMap<i64, usize> = HashMap::new();
        for (k, threshold) in scale.level_from.iter().enumerate() {
            let path = format!("{path}.level_from[{k}]");
            self.level(ctx, &join(&path, "level"), &threshold.level);
            if self.doc.placeholders.contains(&path) {
                continue;
            }
            let field = join(&path, "at_least");
            if valid_range && !(scale.min..=scale.max).contains(&threshold.at_least) {
                ctx.report(
                    lines.at(&field),
                    &field,
                    format!(
                        "{} is outside the scale ({} to {})",
                        threshold.at_least, scale.min, scale.max
                    ),
                );
            }
            if let Some(first) = seen.insert(threshold.at_least, k) {
                ctx.report(
                    lines.at(&field),
                    &field,
                    format!(
                        "duplicate threshold {} (first at level_from[{first}])",
                        threshold.at_least
                    ),
                );
            }
        }
    }

    fn condition(
        &self,
        ctx: &mut Ctx<'_>,
        condition: &Condition,
        path: &str,
        questions: &HashMap<&str, (&Question, String)>,
    ) {
        let lines = &self.doc.lines;
        if self.doc.placeholders.contains(path) {
            return;
        }
        let Some((question, question_path)) = questions.get(condition.question.as_str()) else {
            let field = join(path, "question");
            ctx.report(
                lines.at(&field),
                &field,
                format!(
                    "`{}` is not a question of this template",
                    condition.question
                ),
            );
            return;
        };
        if self.doc.placeholders.contains(question_path) {
            return;
        }
        let id = &question.id;
        let kind = question.kind;
        let options = || {
            question
                .options
                .iter()
                .map(|o| o.value.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (key, message) = match (&condition.test, kind) {
            (Test::Equals(Expected::Value(value)), QuestionKind::SingleChoice)
            | (Test::Includes(value), QuestionKind::MultipleChoice) => {
                if question.option(value).is_some() {
                    return;
                }
                let key = if kind == QuestionKind::SingleChoice {
                    "equals"
                } else {
                    "includes"
                };
                (
                    key,
                    format!(
                        "`{value}` is not an option of question `{id}`; options: {}",
                        options()
                    ),
                )
            }
            (Test::Equals(Expected::Bool(_)), QuestionKind::YesNo) => return,
            (Test::AtLeast(n), QuestionKind::Scale) => {
                let Some(scale) = &question.scale else { return };
                if (scale.min..=scale.max).contains(n) || scale.min >= scale.max {
                    return;
                }
                (
                    "at_least",
                    format!(
                        "{n} is outside the scale of question `{id}` ({} to {})",
                        scale.min, scale.max
                    ),
                )
            }
            (Test::Equals(Expected::Value(_)), QuestionKind::YesNo) => (
                "equals",
                format!("question `{id}` is yes_no: compare it with true or false"),
            ),
            (test, kind) => {
                let key = match test {
                    Test::Equals(_) => "equals",
                    Test::Includes(_) => "includes",
                    Test::AtLeast(_) => "at_least",
                };
                let fits = match kind {
                    QuestionKind::Text => "nothing: text answers are not tested",
                    QuestionKind::SingleChoice => "`equals` and one of its options",
                    QuestionKind::MultipleChoice => "`includes` and one of its options",
                    QuestionKind::Scale => "`at_least` and a value of its scale",
                    QuestionKind::YesNo => "`equals` and true or false",
                };
                (
                    key,
                    format!("question `{id}` is {kind}; test it with {fits}"),
                )
            }
        };
        let field = join(path, key);
        ctx.report(lines.at(&field), &field, message);
    }
}
