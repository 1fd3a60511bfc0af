//! The EU AI Act classification (Regulation (EU) 2024/1689) of one AI system: a guided
//! questionnaire, the check of its answers, and the pure rules that turn the answers into a
//! risk tier, the organisation's roles and the obligations of the `eu-ai-act-2024` framework
//! that apply to it.
//!
//! The questionnaire is data ([`questionnaire`]): each question says when it is shown, so a
//! form can ask one question at a time and skip those that do not apply. Answers are a map
//! from question id to a JSON value ([`Answers`]); [`check_answers`] names every problem as
//! `answers.<question_id>`, and [`classify`] decides. `docs/eu-ai-act.md` describes the rules
//! for people. The rules summarise the Regulation and are not legal advice; application
//! dates are configuration, not part of this module.

mod questions;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::inventory::EuAiActTier;
use crate::validation::ValidationErrors;

use questions::{NONE, QUESTIONS, id};

/// The answers given so far: question id → `true`/`false` for a yes/no question, the option
/// value for a single choice, an array of option values for a multiple choice.
pub type Answers = BTreeMap<String, Value>;

/// Id of the framework whose obligation refs [`Classification::obligations`] lists.
pub const FRAMEWORK_ID: &str = "eu-ai-act-2024";

// ------------------------------------------------------------------- the questionnaire

/// One question of the questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Question {
    /// Stable slug; the key of the answer in [`Answers`].
    pub id: &'static str,
    pub text: &'static str,
    /// Explanation shown under the question, citing the articles it rests on.
    pub help: &'static str,
    pub kind: QuestionKind,
    /// When absent the question is always shown. A shown question must be answered; a
    /// question that is not shown must not be.
    pub shown_when: Option<Condition>,
}

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// `true` or `false`.
    YesNo,
    /// The value of exactly one option.
    SingleChoice(&'static [AnswerOption]),
    /// An array of at least one option value, without repeats. An option `none`, where the
    /// question has one, stands alone.
    MultipleChoice(&'static [AnswerOption]),
}

/// One option of a choice question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct AnswerOption {
    /// What the answer holds.
    pub value: &'static str,
    pub label: &'static str,
    /// What the option covers; may be empty.
    pub help: &'static str,
}

/// When a question is shown, decided on the answers to earlier questions only. A question
/// that was not shown has no answer, so a condition on it does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The yes/no question was answered with `answer`.
    Is {
        question: &'static str,
        answer: bool,
    },
    /// The choice question was answered with this option (single choice) or with a list
    /// that includes it (multiple choice).
    Chose {
        question: &'static str,
        option: &'static str,
    },
    /// Every condition holds.
    #[schema(no_recursion)]
    All(&'static [Condition]),
    /// At least one condition holds.
    #[schema(no_recursion)]
    Any(&'static [Condition]),
}

impl Condition {
    /// Whether the condition holds for these answers.
    pub fn holds(&self, answers: &Answers) -> bool {
        match *self {
            Condition::Is { question, answer } => {
                answers.get(question).and_then(Value::as_bool) == Some(answer)
            }
            Condition::Chose { question, option } => chose(answers, question, option),
            Condition::All(all) => all.iter().all(|c| c.holds(answers)),
            Condition::Any(any) => any.iter().any(|c| c.holds(answers)),
        }
    }

    /// Whether the condition names a question for which `f` is true.
    fn names(&self, f: &impl Fn(&str) -> bool) -> bool {
        match *self {
            Condition::Is { question, .. } | Condition::Chose { question, .. } => f(question),
            Condition::All(list) | Condition::Any(list) => list.iter().any(|c| c.names(f)),
        }
    }
}

/// Every question, in the order a form asks them.
pub fn questionnaire() -> &'static [Question] {
    QUESTIONS
}

/// The question with this id.
pub fn question(id: &str) -> Option<&'static Question> {
    QUESTIONS.iter().find(|q| q.id == id)
}

/// The first question that is shown and has no valid answer yet, or `None` when the
/// questionnaire is complete. A form asks this one next.
pub fn next_question(answers: &Answers) -> Option<&'static Question> {
    let (states, _) = walk(answers, &mut ValidationErrors::new());
    QUESTIONS
        .iter()
        .zip(states)
        .find(|(_, state)| matches!(state, State::Missing | State::Invalid))
        .map(|(q, _)| q)
}

// ------------------------------------------------------------------ checking answers

/// What the walk through the questionnaire found for one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Not shown, and not answered.
    Hidden,
    /// Shown and validly answered.
    Answered,
    /// Shown and not answered.
    Missing,
    /// Answered with a value of the wrong type or an unknown option.
    Invalid,
    /// Whether it is shown depends on a question that is missing or invalid, so nothing is
    /// said about it until that is fixed.
    Undetermined,
}

/// Walks the questions in order, deciding each one's visibility from the valid answers to
/// the questions before it. Returns each question's state and the valid, shown answers;
/// adds an error per problem.
fn walk(answers: &Answers, errors: &mut ValidationErrors) -> (Vec<State>, Answers) {
    let mut accepted = Answers::new();
    let mut unsettled: BTreeSet<&str> = BTreeSet::new();
    let mut states = Vec::with_capacity(QUESTIONS.len());
    for q in QUESTIONS {
        let field = field(q.id);
        let given = answers.get(q.id);
        let state = match &q.shown_when {
            Some(c) if c.names(&|id| unsettled.contains(id)) => State::Undetermined,
            Some(c) if !c.holds(&accepted) => match given {
                None => State::Hidden,
                Some(_) => {
                    errors.add(
                        field,
                        "is not asked given the other answers, so it must be left out",
                    );
                    State::Hidden
                }
            },
            _ => match given {
                None => {
                    errors.add(field, "is required");
                    State::Missing
                }
                Some(value) if check_value(q, value, &field, errors) => {
                    accepted.insert(q.id.to_owned(), value.clone());
                    State::Answered
                }
                Some(_) => State::Invalid,
            },
        };
        if matches!(state, State::Missing | State::Invalid | State::Undetermined) {
            unsettled.insert(q.id);
        }
        states.push(state);
    }
    (states, accepted)
}

/// Checks one answer against its question's kind; adds errors and returns whether it is valid.
fn check_value(q: &Question, value: &Value, field: &str, errors: &mut ValidationErrors) -> bool {
    let before = errors.0.len();
    match q.kind {
        QuestionKind::YesNo => {
            if !value.is_boolean() {
                errors.add(field, "must be true or false");
            }
        }
        QuestionKind::SingleChoice(options) => match value.as_str() {
            Some(s) if options.iter().any(|o| o.value == s) => {}
            Some(s) => errors.add(
                field,
                format!("must be one of {}; got `{s}`", values(options)),
            ),
            None => errors.add(
                field,
                format!("must be one option, as a string: {}", values(options)),
            ),
        },
        QuestionKind::MultipleChoice(options) => {
            let Some(items) = value.as_array() else {
                errors.add(
                    field,
                    format!("must be a list of options from {}", values(options)),
                );
                return false;
            };
            let has_none = options.iter().any(|o| o.value == NONE);
            if items.is_empty() {
                errors.add(
                    field,
                    if has_none {
                        "must list at least one option; choose none when no other applies"
                    } else {
                        "must list at least one option"
                    },
                );
            }
            for (i, item) in items.iter().enumerate() {
                let item_field = format!("{field}[{i}]");
                match item.as_str() {
                    Some(s) if options.iter().any(|o| o.value == s) => {
                        if items[..i].iter().any(|earlier| earlier.as_str() == Some(s)) {
                            errors.add(item_field, format!("repeats `{s}`"));
                        }
                    }
                    Some(s) => errors.add(
                        item_field,
                        format!("must be one of {}; got `{s}`", values(options)),
                    ),
                    None => errors.add(
                        item_field,
                        format!("must be one option, as a string: {}", values(options)),
                    ),
                }
            }
            if has_none && items.len() > 1 && items.iter().any(|v| v.as_str() == Some(NONE)) {
                errors.add(field, "none cannot be combined with other options");
            }
        }
    }
    errors.0.len() == before
}

/// Checks answers without deciding anything: every key is a question, every answer has the
/// right type and a known option, every question that is shown given the other answers is
/// answered, and none that is hidden is. Each problem names `answers.<question_id>`.
pub fn check_answers(answers: &Answers) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    for key in answers.keys() {
        if question(key).is_none() {
            errors.add(
                field(key),
                "is not a question of the EU AI Act classification",
            );
        }
    }
    let (_, accepted) = walk(answers, &mut errors);
    // Real-time remote biometric identification under an exception stays high-risk.
    if accepted.get(id::REALTIME_RBI_EXCEPTION) == Some(&Value::Bool(true))
        && accepted.contains_key(id::ANNEX_III_AREAS)
        && !chose(&accepted, id::ANNEX_III_AREAS, "biometrics")
    {
        errors.add(
            field(id::ANNEX_III_AREAS),
            "must include biometrics: real-time remote biometric identification used under an exception of Art. 5(1)(h) is high-risk under Annex III point 1",
        );
    }
    errors.into_result()
}

fn field(question: &str) -> String {
    format!("answers.{question}")
}

fn values(options: &[AnswerOption]) -> String {
    options
        .iter()
        .map(|o| o.value)
        .collect::<Vec<_>>()
        .join(", ")
}

fn yes(answers: &Answers, question: &str) -> bool {
    answers.get(question) == Some(&Value::Bool(true))
}

/// Whether a single choice is `option`, or a multiple choice includes it.
fn chose(answers: &Answers, question: &str, option: &str) -> bool {
    match answers.get(question) {
        Some(Value::String(s)) => s == option,
        Some(Value::Array(items)) => items.iter().any(|v| v.as_str() == Some(option)),
        _ => false,
    }
}

/// The options chosen in a multiple-choice question, `none` left out.
fn chosen<'a>(answers: &'a Answers, question: &str) -> Vec<&'a str> {
    match answers.get(question) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| *s != NONE)
            .collect(),
        _ => Vec::new(),
    }
}

// ------------------------------------------------------------------------ the outcome

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        // The wire names are the snake_case variant names; a test checks they equal `as_str`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $value),+ }
            }

            /// The variant whose wire name is `value`.
            pub fn parse(value: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == value)
            }
        }
    };
}

wire_enum!(
    /// The risk tier of an AI system. Transparency duties and general-purpose AI model
    /// duties come on top of the tier and are listed separately.
    Tier {
        /// It engages in a practice of Art. 5; nothing else matters.
        Prohibited = "prohibited",
        /// Art. 6: an Annex I product needing third-party conformity assessment, or an
        /// Annex III use without a valid Art. 6(3) exception.
        HighRisk = "high_risk",
        /// Not high-risk, with at least one duty of Art. 50.
        Transparency = "transparency",
        /// None of the above: AI literacy and voluntary codes of conduct only.
        Minimal = "minimal",
        /// Not an AI system, or excluded from the Regulation's scope (Art. 2).
        OutOfScope = "out_of_scope",
    }
);

wire_enum!(
    /// The organisation's role towards the system (Art. 3). A product manufacturer placing
    /// the system on the market with its product is a provider (Art. 25(3)).
    OperatorRole {
        Provider = "provider",
        Deployer = "deployer",
        Importer = "importer",
        Distributor = "distributor",
    }
);

wire_enum!(
    /// A prohibited practice of Art. 5(1).
    ProhibitedPractice {
        /// (a)
        Manipulation = "manipulation",
        /// (b)
        ExploitingVulnerabilities = "exploiting_vulnerabilities",
        /// (c)
        SocialScoring = "social_scoring",
        /// (d)
        CrimePrediction = "crime_prediction",
        /// (e)
        FaceScraping = "face_scraping",
        /// (f)
        EmotionRecognition = "emotion_recognition",
        /// (g)
        BiometricCategorisation = "biometric_categorisation",
        /// (h), outside its exceptions.
        RealtimeRemoteBiometricIdentification = "realtime_remote_biometric_identification",
    }
);

wire_enum!(
    /// An area of Annex III. The values are the options of the `annex_iii_areas` question.
    AnnexIiiArea {
        /// Point 1.
        Biometrics = "biometrics",
        /// Point 2.
        CriticalInfrastructure = "critical_infrastructure",
        /// Point 3.
        Education = "education",
        /// Point 4.
        Employment = "employment",
        /// Point 5.
        EssentialServices = "essential_services",
        /// Point 6.
        LawEnforcement = "law_enforcement",
        /// Point 7.
        Migration = "migration",
        /// Point 8.
        JusticeDemocracy = "justice_democracy",
    }
);

wire_enum!(
    /// A condition of Art. 6(3) under which an Annex III system is not high-risk. The values
    /// are the options of the `exception_6_3` question.
    Exception63Condition {
        /// (a)
        NarrowProceduralTask = "narrow_procedural_task",
        /// (b)
        ImprovesHumanActivity = "improves_human_activity",
        /// (c)
        DetectsDecisionPatterns = "detects_decision_patterns",
        /// (d)
        PreparatoryTask = "preparatory_task",
    }
);

wire_enum!(
    /// A transparency duty of Art. 50 that the system triggers, whoever it falls on.
    TransparencyDuty {
        /// Art. 50(1), on the provider.
        Interaction = "interaction",
        /// Art. 50(2), on the provider.
        SyntheticContent = "synthetic_content",
        /// Art. 50(3), on the deployer.
        EmotionOrBiometricCategorisation = "emotion_or_biometric_categorisation",
        /// Art. 50(4), on the deployer.
        DeepFake = "deep_fake",
        /// Art. 50(4), on the deployer.
        PublicInterestText = "public_interest_text",
    }
);

impl Tier {
    pub fn label(self) -> &'static str {
        match self {
            Tier::Prohibited => "Prohibited practice",
            Tier::HighRisk => "High-risk",
            Tier::Transparency => "Transparency obligations",
            Tier::Minimal => "Minimal risk",
            Tier::OutOfScope => "Out of scope",
        }
    }
}

impl AnnexIiiArea {
    /// The point of Annex III.
    pub fn point(self) -> u8 {
        match self {
            AnnexIiiArea::Biometrics => 1,
            AnnexIiiArea::CriticalInfrastructure => 2,
            AnnexIiiArea::Education => 3,
            AnnexIiiArea::Employment => 4,
            AnnexIiiArea::EssentialServices => 5,
            AnnexIiiArea::LawEnforcement => 6,
            AnnexIiiArea::Migration => 7,
            AnnexIiiArea::JusticeDemocracy => 8,
        }
    }

    /// The area's name in a sentence.
    fn phrase(self) -> &'static str {
        match self {
            AnnexIiiArea::Biometrics => {
                "biometrics (remote identification of people, categorisation by sensitive attributes or emotion recognition)"
            }
            AnnexIiiArea::CriticalInfrastructure => {
                "safety in the management or operation of critical infrastructure"
            }
            AnnexIiiArea::Education => "education and vocational training",
            AnnexIiiArea::Employment => "employment and workers' management",
            AnnexIiiArea::EssentialServices => "access to essential private and public services",
            AnnexIiiArea::LawEnforcement => "law enforcement",
            AnnexIiiArea::Migration => "migration, asylum and border control",
            AnnexIiiArea::JusticeDemocracy => {
                "the administration of justice and democratic processes"
            }
        }
    }
}

impl Exception63Condition {
    fn phrase(self) -> &'static str {
        match self {
            Exception63Condition::NarrowProceduralTask => "performs a narrow procedural task",
            Exception63Condition::ImprovesHumanActivity => {
                "improves the result of a completed human activity"
            }
            Exception63Condition::DetectsDecisionPatterns => {
                "detects decision-making patterns without replacing the human assessment"
            }
            Exception63Condition::PreparatoryTask => "performs a preparatory task",
        }
    }
}

impl ProhibitedPractice {
    /// The question that asks about the practice.
    fn question(self) -> &'static str {
        match self {
            ProhibitedPractice::Manipulation => id::PROHIBITED_MANIPULATION,
            ProhibitedPractice::ExploitingVulnerabilities => {
                id::PROHIBITED_EXPLOITING_VULNERABILITIES
            }
            ProhibitedPractice::SocialScoring => id::PROHIBITED_SOCIAL_SCORING,
            ProhibitedPractice::CrimePrediction => id::PROHIBITED_CRIME_PREDICTION,
            ProhibitedPractice::FaceScraping => id::PROHIBITED_FACE_SCRAPING,
            ProhibitedPractice::EmotionRecognition => id::PROHIBITED_EMOTION_RECOGNITION,
            ProhibitedPractice::BiometricCategorisation => id::PROHIBITED_BIOMETRIC_CATEGORISATION,
            ProhibitedPractice::RealtimeRemoteBiometricIdentification => {
                id::PROHIBITED_REALTIME_RBI
            }
        }
    }

    /// Its node in the framework.
    pub fn obligation(self) -> &'static str {
        match self {
            ProhibitedPractice::Manipulation => "prohibited.manipulation",
            ProhibitedPractice::ExploitingVulnerabilities => {
                "prohibited.exploiting-vulnerabilities"
            }
            ProhibitedPractice::SocialScoring => "prohibited.social-scoring",
            ProhibitedPractice::CrimePrediction => "prohibited.crime-prediction",
            ProhibitedPractice::FaceScraping => "prohibited.face-scraping",
            ProhibitedPractice::EmotionRecognition => "prohibited.emotion-recognition",
            ProhibitedPractice::BiometricCategorisation => "prohibited.biometric-categorisation",
            ProhibitedPractice::RealtimeRemoteBiometricIdentification => {
                "prohibited.realtime-remote-biometric-identification"
            }
        }
    }

    fn sentence(self) -> &'static str {
        match self {
            ProhibitedPractice::Manipulation => {
                "It uses subliminal, manipulative or deceptive techniques that distort behaviour in a way likely to cause significant harm, which Art. 5(1)(a) prohibits."
            }
            ProhibitedPractice::ExploitingVulnerabilities => {
                "It exploits vulnerabilities due to age, disability or social or economic situation in a way likely to cause significant harm, which Art. 5(1)(b) prohibits."
            }
            ProhibitedPractice::SocialScoring => {
                "It scores people by their social behaviour or personal characteristics, leading to unjustified or unrelated detrimental treatment, which Art. 5(1)(c) prohibits."
            }
            ProhibitedPractice::CrimePrediction => {
                "It predicts the risk of a person committing a crime solely from profiling or personality traits, which Art. 5(1)(d) prohibits."
            }
            ProhibitedPractice::FaceScraping => {
                "It builds or expands a facial recognition database by untargeted scraping of facial images, which Art. 5(1)(e) prohibits."
            }
            ProhibitedPractice::EmotionRecognition => {
                "It infers emotions at the workplace or in education for reasons other than medical or safety ones, which Art. 5(1)(f) prohibits."
            }
            ProhibitedPractice::BiometricCategorisation => {
                "It categorises people from biometric data to deduce sensitive characteristics such as race, beliefs or sexual orientation, which Art. 5(1)(g) prohibits."
            }
            ProhibitedPractice::RealtimeRemoteBiometricIdentification => {
                "It performs real-time remote biometric identification in publicly accessible spaces for law enforcement outside the exceptions, which Art. 5(1)(h) prohibits."
            }
        }
    }
}

/// Why a system is high-risk: Art. 6(1) (Annex I) or Art. 6(2) (an area of Annex III).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum HighRiskBasis {
    /// A product, or a safety component of a product, under the Union harmonisation
    /// legislation of Annex I that needs third-party conformity assessment.
    #[serde(rename = "annex_i")]
    AnnexI,
    /// Intended for use in an area of Annex III.
    #[serde(rename = "annex_iii")]
    AnnexIII(AnnexIiiArea),
}

/// An Annex III system that is not high-risk under Art. 6(3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Exception63 {
    /// The conditions of Art. 6(3) the system meets.
    pub conditions: Vec<Exception63Condition>,
    /// Whether the organisation, as provider, must document the assessment before placing
    /// the system on the market and register it (Art. 6(4), Art. 49(2)). A deployer relies
    /// on the provider's documentation instead.
    pub documented_reason_required: bool,
}

/// The system is, or is built on, a general-purpose AI model the organisation provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Gpai {
    /// Art. 51: above the training compute threshold, or designated by the Commission.
    pub systemic_risk: bool,
}

/// The outcome of the questionnaire for one AI system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Classification {
    pub tier: Tier,
    /// Where the system is listed. With a valid Art. 6(3) exception the Annex III areas
    /// stay listed here while the tier is not high-risk.
    pub high_risk_basis: Vec<HighRiskBasis>,
    /// Present when an Annex III system is not high-risk under Art. 6(3).
    pub exception_6_3: Option<Exception63>,
    /// The Art. 50 duties the system triggers, in addition to its tier, whoever they fall on.
    pub transparency: Vec<TransparencyDuty>,
    /// Present when the general-purpose AI model rules (Chapter V) apply.
    pub gpai: Option<Gpai>,
    pub roles: Vec<OperatorRole>,
    /// The Art. 5 practices found; not empty exactly when the tier is prohibited.
    pub prohibited_practices: Vec<ProhibitedPractice>,
    /// One plain sentence per deciding fact, citing the article.
    pub rationale: Vec<String>,
    /// Refs of the obligations in the `eu-ai-act-2024` framework that fall on the
    /// organisation for this system, in the framework's order.
    pub obligations: Vec<String>,
}

// ----------------------------------------------------------------------- obligations

/// Every obligation [`classify`] can select, in the order of the framework file.
const OBLIGATIONS: &[&str] = &[
    "general.ai-literacy",
    "prohibited.manipulation",
    "prohibited.exploiting-vulnerabilities",
    "prohibited.social-scoring",
    "prohibited.crime-prediction",
    "prohibited.face-scraping",
    "prohibited.emotion-recognition",
    "prohibited.biometric-categorisation",
    "prohibited.realtime-remote-biometric-identification",
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
    "provider.authorised-representative",
    "provider.conformity-assessment",
    "provider.declaration-of-conformity",
    "provider.ce-marking",
    "provider.registration",
    "provider.accessibility",
    "provider.post-market-monitoring",
    "provider.incident-reporting",
    "importer.verification",
    "distributor.verification",
    "value-chain.responsibilities",
    "deployer.use-per-instructions",
    "deployer.human-oversight",
    "deployer.input-data",
    "deployer.monitoring",
    "deployer.log-retention",
    "deployer.worker-information",
    "deployer.registration",
    "deployer.dpia",
    "deployer.affected-person-notice",
    "deployer.authority-cooperation",
    "deployer.fria",
    "deployer.explanation",
    "transparency.interaction",
    "transparency.synthetic-content-marking",
    "transparency.emotion-biometric-notice",
    "transparency.deep-fakes",
    "transparency.public-interest-text",
    "gpai.technical-documentation",
    "gpai.downstream-information",
    "gpai.copyright-policy",
    "gpai.training-content-summary",
    "gpai.authorised-representative",
    "gpai.systemic-risk-notification",
    "gpai.model-evaluation",
    "gpai.systemic-risk-mitigation",
    "gpai.serious-incidents",
    "gpai.cybersecurity",
];

/// Provider obligations of every high-risk system; the authorised representative and the
/// EU database registration depend on more facts and are added separately.
const HIGH_RISK_PROVIDER: &[&str] = &[
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
    "provider.accessibility",
    "provider.post-market-monitoring",
    "provider.incident-reporting",
];

/// Deployer obligations of every high-risk system; registration, the notice to affected
/// persons, the explanation and the FRIA depend on more facts and are added separately.
const HIGH_RISK_DEPLOYER: &[&str] = &[
    "deployer.use-per-instructions",
    "deployer.human-oversight",
    "deployer.input-data",
    "deployer.monitoring",
    "deployer.log-retention",
    "deployer.worker-information",
    "deployer.dpia",
    "deployer.authority-cooperation",
];

const GPAI_PROVIDER: &[&str] = &[
    "gpai.technical-documentation",
    "gpai.downstream-information",
    "gpai.copyright-policy",
    "gpai.training-content-summary",
];

const GPAI_SYSTEMIC_RISK: &[&str] = &[
    "gpai.systemic-risk-notification",
    "gpai.model-evaluation",
    "gpai.systemic-risk-mitigation",
    "gpai.serious-incidents",
    "gpai.cybersecurity",
];

/// Every obligation ref [`classify`] can ever list, in the framework's order. Each is a node
/// of the `eu-ai-act-2024` framework (a test checks this against the bundled library).
pub fn all_obligation_refs() -> Vec<&'static str> {
    OBLIGATIONS.to_vec()
}

/// The obligations selected so far.
#[derive(Default)]
struct Selection(BTreeSet<&'static str>);

impl Selection {
    fn add(&mut self, obligation: &'static str) {
        debug_assert!(
            OBLIGATIONS.contains(&obligation),
            "{obligation} is not a known obligation"
        );
        self.0.insert(obligation);
    }

    fn add_all(&mut self, obligations: &[&'static str]) {
        for o in obligations {
            self.add(o);
        }
    }

    fn into_refs(self) -> Vec<String> {
        OBLIGATIONS
            .iter()
            .filter(|o| self.0.contains(*o))
            .map(|o| (*o).to_owned())
            .collect()
    }
}

// ------------------------------------------------------------------- classification

/// Decides the classification of one AI system from complete, valid answers (checked with
/// [`check_answers`] first; its errors are returned as they are).
pub fn classify(answers: &Answers) -> Result<Classification, ValidationErrors> {
    check_answers(answers)?;
    let a = answers;
    let mut why: Vec<String> = Vec::new();
    let mut say = |sentence: &str| why.push(sentence.to_owned());
    let mut selected = Selection::default();

    // Roles.
    let mut roles = BTreeSet::new();
    for option in chosen(a, id::ROLES) {
        let (role, sentence) = match option {
            "provider" => (
                OperatorRole::Provider,
                "The organisation is a provider: it develops the system, or has it developed, and places it on the market or puts it into service under its own name (Art. 3(3)).",
            ),
            "product_manufacturer" => (
                OperatorRole::Provider,
                "As a product manufacturer placing the system on the market with its product and under its own name, the organisation is treated as its provider (Art. 25(3)).",
            ),
            "deployer" => (
                OperatorRole::Deployer,
                "The organisation is a deployer: it uses the system under its own authority in a professional activity (Art. 3(4)).",
            ),
            "importer" => (
                OperatorRole::Importer,
                "The organisation is an importer: it places on the Union market a system bearing the name of a provider established outside the Union (Art. 3(6)).",
            ),
            "distributor" => (
                OperatorRole::Distributor,
                "The organisation is a distributor: it makes the system available on the Union market without being its provider or importer (Art. 3(7)).",
            ),
            _ => continue,
        };
        roles.insert(role);
        say(sentence);
    }
    let provider = roles.contains(&OperatorRole::Provider);
    let deployer = roles.contains(&OperatorRole::Deployer);
    let outside_eu = yes(a, id::PROVIDER_OUTSIDE_EU);

    // Scope and general-purpose AI models.
    let ai_system = yes(a, id::AI_SYSTEM);
    let model = yes(a, id::GPAI_MODEL);
    if !ai_system {
        say(if model {
            "It is not itself an AI system (Art. 3(1)): the risk tiers apply once the model is built into one, while the rules for general-purpose AI models apply to the model now."
        } else {
            "It is not an AI system as defined in Art. 3(1), so the Regulation's rules for AI systems do not apply to it."
        });
    }
    let excluded = match a.get(id::SCOPE_EXCLUSION).and_then(Value::as_str) {
        Some("military") => {
            say(
                "It is used exclusively for military, defence or national security purposes, which are outside the Regulation (Art. 2(3)).",
            );
            true
        }
        Some("scientific_research") => {
            say(
                "It is developed and put into service solely for scientific research and development, which is outside the Regulation (Art. 2(6)).",
            );
            true
        }
        Some("personal_use") => {
            say(
                "It is used by a natural person in a purely personal, non-professional activity, which is outside the deployer obligations of the Regulation (Art. 2(10)).",
            );
            true
        }
        _ => false,
    };
    let gpai = (model && !excluded).then(|| {
        say(
            "It is, or is built on, a general-purpose AI model that the organisation provides, so the model duties of Art. 53 apply.",
        );
        let systemic_risk = if yes(a, id::GPAI_COMPUTE_THRESHOLD) {
            say(
                "The model was trained with more than 10^25 floating-point operations, so it is presumed to have systemic risk (Art. 51(2)), which adds notification (Art. 52) and the duties of Art. 55.",
            );
            true
        } else if yes(a, id::GPAI_DESIGNATED) {
            say(
                "The Commission has designated the model as having systemic risk (Art. 51(1)(b)), which adds the duties of Art. 55.",
            );
            true
        } else {
            say(
                "The model is below the compute threshold of Art. 51(2) and has not been designated, so it has no systemic risk and Art. 55 does not apply.",
            );
            false
        };
        Gpai { systemic_risk }
    });
    if let Some(Gpai { systemic_risk }) = gpai {
        selected.add_all(GPAI_PROVIDER);
        if systemic_risk {
            selected.add_all(GPAI_SYSTEMIC_RISK);
        }
        if outside_eu {
            selected.add("gpai.authorised-representative");
            say(
                "As a provider of a general-purpose AI model established outside the Union, the organisation appoints an authorised representative in the Union (Art. 54).",
            );
        }
    }

    let mut outcome = Classification {
        tier: Tier::OutOfScope,
        high_risk_basis: Vec::new(),
        exception_6_3: None,
        transparency: Vec::new(),
        gpai,
        roles: roles.into_iter().collect(),
        prohibited_practices: Vec::new(),
        rationale: Vec::new(),
        obligations: Vec::new(),
    };
    if !ai_system || excluded {
        outcome.rationale = why;
        outcome.obligations = selected.into_refs();
        return Ok(outcome);
    }

    // Prohibited practices dominate everything else.
    for &practice in ProhibitedPractice::ALL {
        if !yes(a, practice.question()) {
            continue;
        }
        if practice == ProhibitedPractice::RealtimeRemoteBiometricIdentification
            && yes(a, id::REALTIME_RBI_EXCEPTION)
        {
            say(
                "Its real-time remote biometric identification for law enforcement is limited to an exception of Art. 5(1)(h) with prior authorisation (Art. 5(3)), so it is not prohibited but it is high-risk (Annex III point 1).",
            );
            continue;
        }
        outcome.prohibited_practices.push(practice);
        say(practice.sentence());
    }
    if !outcome.prohibited_practices.is_empty() {
        say(
            "A prohibited practice outweighs every other finding: the system may not be placed on the market, put into service or used in the Union (Art. 5), so only the prohibitions are listed as obligations.",
        );
        let mut selected = Selection::default();
        for practice in &outcome.prohibited_practices {
            selected.add(practice.obligation());
        }
        outcome.tier = Tier::Prohibited;
        outcome.rationale = why;
        outcome.obligations = selected.into_refs();
        return Ok(outcome);
    }

    // High-risk: Annex I, Annex III and the exception of Art. 6(3).
    if yes(a, id::ANNEX_I_PRODUCT) {
        outcome.high_risk_basis.push(HighRiskBasis::AnnexI);
        say(
            "It is a product, or a safety component of a product, under the Union harmonisation legislation of Annex I that needs third-party conformity assessment, which makes it high-risk (Art. 6(1)).",
        );
    } else {
        say(
            "It is not a product or safety component needing third-party conformity assessment under the legislation of Annex I, so Art. 6(1) does not apply.",
        );
    }
    let areas: Vec<AnnexIiiArea> = chosen(a, id::ANNEX_III_AREAS)
        .into_iter()
        .filter_map(AnnexIiiArea::parse)
        .collect();
    if areas.is_empty() {
        say("It is used in none of the areas of Annex III, so Art. 6(2) does not apply.");
    }
    for &area in &areas {
        outcome.high_risk_basis.push(HighRiskBasis::AnnexIII(area));
        say(&format!(
            "It is intended for use in {}, listed in Annex III point {} (Art. 6(2)).",
            area.phrase(),
            area.point()
        ));
    }
    let credit = chose(a, id::ESSENTIAL_SERVICES_USE, "creditworthiness");
    let insurance = chose(a, id::ESSENTIAL_SERVICES_USE, "life_health_insurance");
    if credit {
        say(
            "It evaluates the creditworthiness of natural persons or sets their credit score (Annex III point 5(b)).",
        );
    }
    if insurance {
        say(
            "It assesses risk and sets prices for natural persons in life or health insurance (Annex III point 5(c)).",
        );
    }
    let claimed: Vec<Exception63Condition> = chosen(a, id::EXCEPTION_6_3)
        .into_iter()
        .filter_map(Exception63Condition::parse)
        .collect();
    if !claimed.is_empty() {
        if yes(a, id::PROFILING) {
            say(
                "It profiles natural persons, so the exception of Art. 6(3) cannot apply, whatever task it performs (Art. 6(3), last subparagraph).",
            );
        } else {
            let tasks: Vec<&str> = claimed.iter().map(|c| c.phrase()).collect();
            say(&format!(
                "It only {} and does not profile people, so under Art. 6(3) it is not high-risk; the provider documents this assessment before placing it on the market and registers the system (Art. 6(4), Art. 49(2)).",
                tasks.join(" and ")
            ));
            outcome.exception_6_3 = Some(Exception63 {
                conditions: claimed,
                documented_reason_required: provider,
            });
        }
    } else if a.contains_key(id::EXCEPTION_6_3) {
        say(
            "None of the conditions of Art. 6(3) describes it, so its Annex III use keeps it high-risk.",
        );
    }
    let high_risk = !outcome.high_risk_basis.is_empty() && outcome.exception_6_3.is_none();

    // Transparency duties of Art. 50 come on top of the tier.
    let duties = [
        (
            id::INTERACTS_WITH_PEOPLE,
            TransparencyDuty::Interaction,
            provider,
            "transparency.interaction",
            "It interacts directly with people, so as its provider the organisation designs it to tell them they are dealing with an AI system (Art. 50(1)).",
            "It interacts directly with people; designing it to tell them they are dealing with an AI system is the provider's duty (Art. 50(1)), not the deployer's.",
        ),
        (
            id::GENERATES_SYNTHETIC_CONTENT,
            TransparencyDuty::SyntheticContent,
            provider,
            "transparency.synthetic-content-marking",
            "It generates synthetic audio, image, video or text, so as its provider the organisation marks the outputs as artificially generated in a machine-readable way (Art. 50(2)).",
            "It generates synthetic content; marking it as artificially generated is the provider's duty (Art. 50(2)).",
        ),
        (
            id::EMOTION_OR_BIOMETRIC_CATEGORISATION,
            TransparencyDuty::EmotionOrBiometricCategorisation,
            deployer,
            "transparency.emotion-biometric-notice",
            "It recognises emotions or categorises people by biometric data, so as its deployer the organisation informs the people exposed to it (Art. 50(3)).",
            "It recognises emotions or categorises people by biometric data; informing the people exposed to it is the deployer's duty (Art. 50(3)).",
        ),
        (
            id::DEEP_FAKE,
            TransparencyDuty::DeepFake,
            deployer,
            "transparency.deep-fakes",
            "It produces deep fakes, so as its deployer the organisation discloses that the content is artificially generated or manipulated (Art. 50(4)).",
            "It produces deep fakes; disclosing them is the deployer's duty (Art. 50(4)).",
        ),
        (
            id::PUBLIC_INTEREST_TEXT,
            TransparencyDuty::PublicInterestText,
            deployer,
            "transparency.public-interest-text",
            "It produces text published on matters of public interest without editorial responsibility, so as its deployer the organisation discloses that the text is artificially generated (Art. 50(4)).",
            "It produces text published on matters of public interest; disclosing that it is artificially generated is the deployer's duty (Art. 50(4)).",
        ),
    ];
    for (question, duty, bound, obligation, ours, theirs) in duties {
        if yes(a, question) {
            outcome.transparency.push(duty);
            if bound {
                selected.add(obligation);
                say(ours);
            } else {
                say(theirs);
            }
        }
    }

    outcome.tier = if high_risk {
        Tier::HighRisk
    } else if !outcome.transparency.is_empty() {
        Tier::Transparency
    } else {
        Tier::Minimal
    };
    match outcome.tier {
        Tier::HighRisk if outcome.transparency.is_empty() => {
            say("It is therefore a high-risk AI system (Art. 6).")
        }
        Tier::HighRisk => say(
            "It is therefore a high-risk AI system (Art. 6), and its Art. 50 duties apply in addition.",
        ),
        Tier::Transparency => say(
            "With no prohibited practice and no high-risk use, its tier is set by its transparency duties (Art. 50).",
        ),
        _ => say(
            "With no prohibited practice, no high-risk use and no transparency duty, it is a minimal-risk system: beyond AI literacy (Art. 4) only voluntary codes of conduct apply (Art. 95).",
        ),
    }

    // Obligations that follow from the tier and the roles.
    if provider || deployer {
        selected.add("general.ai-literacy");
        say(
            "As a provider or deployer of an AI system, the organisation ensures that the people working with it have sufficient AI literacy (Art. 4).",
        );
    } else {
        say(
            "AI literacy (Art. 4) binds providers and deployers, so it is not listed for an importer or distributor.",
        );
    }
    if outcome
        .exception_6_3
        .as_ref()
        .is_some_and(|e| e.documented_reason_required)
    {
        selected.add("provider.classification");
    }
    if high_risk {
        selected.add("value-chain.responsibilities");
        let annex_iii = !areas.is_empty();
        // Art. 27, Art. 49(3) and Art. 86 leave out critical infrastructure (Annex III point 2),
        // whose safety components make no decisions about people (Art. 26(11)).
        let people = areas
            .iter()
            .any(|area| *area != AnnexIiiArea::CriticalInfrastructure);
        if provider {
            selected.add_all(HIGH_RISK_PROVIDER);
            if annex_iii {
                selected.add("provider.registration");
                say(
                    "As provider of a high-risk system of Annex III, the organisation registers it in the EU database before placing it on the market (Art. 49(1)).",
                );
            }
            if outside_eu {
                selected.add("provider.authorised-representative");
                say(
                    "As a provider of a high-risk system established outside the Union, the organisation appoints an authorised representative in the Union (Art. 22).",
                );
            }
        }
        if deployer {
            selected.add_all(HIGH_RISK_DEPLOYER);
            if people {
                selected.add("deployer.affected-person-notice");
                selected.add("deployer.explanation");
                say(
                    "As deployer of an Annex III system that decides about people, the organisation tells them they are subject to it and explains individual decisions on request (Art. 26(11), Art. 86).",
                );
                let kind = a.get(id::DEPLOYER_TYPE).and_then(Value::as_str);
                if kind == Some("public_body") {
                    selected.add("deployer.registration");
                    selected.add("deployer.fria");
                    say(
                        "As a public body deploying it, the organisation registers its use in the EU database and assesses the impact on fundamental rights before first use (Art. 26(8), Art. 27).",
                    );
                } else if kind == Some("public_service") {
                    selected.add("deployer.fria");
                    say(
                        "As a private entity providing public services, the organisation assesses the impact on fundamental rights before first use (Art. 27).",
                    );
                } else if credit || insurance {
                    selected.add("deployer.fria");
                    say(
                        "Because it scores creditworthiness or prices life or health insurance (Annex III points 5(b) and 5(c)), the organisation as deployer assesses the impact on fundamental rights before first use (Art. 27).",
                    );
                } else {
                    say(
                        "As a deployer that is neither a public body nor a provider of public services, using it outside Annex III points 5(b) and 5(c), the organisation needs no fundamental rights impact assessment (Art. 27).",
                    );
                }
            }
        }
        if outcome.roles.contains(&OperatorRole::Importer) {
            selected.add("importer.verification");
        }
        if outcome.roles.contains(&OperatorRole::Distributor) {
            selected.add("distributor.verification");
        }
    }

    outcome.rationale = why;
    outcome.obligations = selected.into_refs();
    Ok(outcome)
}

// ------------------------------------------------------------- stored classifications

/// At most this many characters in the note of a classification.
pub const MAX_NOTE: usize = 2_000;

impl Tier {
    /// The value of the AI system's `eu_ai_act_tier` inventory field that this tier sets.
    pub fn inventory_tier(self) -> EuAiActTier {
        match self {
            Tier::Prohibited => EuAiActTier::Prohibited,
            Tier::HighRisk => EuAiActTier::HighRisk,
            Tier::Transparency => EuAiActTier::Transparency,
            Tier::Minimal => EuAiActTier::Minimal,
            Tier::OutOfScope => EuAiActTier::OutOfScope,
        }
    }
}

/// The answers to the questions that are shown, walking the questionnaire in order: an
/// answer to a question whose condition does not hold, given the answers kept before it,
/// is left out, and so are keys that are not questions.
///
/// A form that sends every question at once (a page without JavaScript posts the inputs of
/// questions it could not hide) passes its answers through this before [`classify`]. The
/// API does not: there an answer to a hidden question is a mistake to report.
pub fn shown_answers(answers: &Answers) -> Answers {
    let mut kept = Answers::new();
    for q in QUESTIONS {
        let shown = q.shown_when.as_ref().is_none_or(|c| c.holds(&kept));
        if let (true, Some(value)) = (shown, answers.get(q.id)) {
            kept.insert(q.id.to_owned(), value.clone());
        }
    }
    kept
}

/// One version of the classification of an AI system, as stored: the answers, the outcome
/// the rules gave for them, who answered and when. Re-classifying adds a version; earlier
/// versions stay as they were.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SystemClassification {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub system_id: Uuid,
    /// 1 for the system's first classification, one more for each after it.
    pub version: i64,
    /// When it was saved.
    pub assessed_at: DateTime<Utc>,
    /// Who saved it, as the change log names them.
    pub assessed_by: String,
    /// The date of the assessment as the assessor gives it (by default the day it was saved).
    pub assessed_on: NaiveDate,
    /// The answers, question id → answer, as [`classify`] took them.
    #[schema(value_type = Object)]
    pub answers: Answers,
    /// What [`classify`] decided for these answers.
    pub result: Classification,
    /// What the assessor adds, such as sources consulted or doubts.
    pub note: String,
}

#[cfg(test)]
mod tests;
