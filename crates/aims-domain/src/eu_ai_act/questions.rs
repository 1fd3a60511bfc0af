//! The questions of the EU AI Act classification, in the order a form asks them.
//!
//! A condition only names questions that come before it, so a form can decide whether to
//! show a question from the answers it already has. Every question that is shown must be
//! answered; every question that is not shown must be left out.

use super::{AnswerOption, Condition, Question, QuestionKind};

use Condition::{All, Any};
use QuestionKind::{MultipleChoice, SingleChoice, YesNo};

/// Ids of the questions, so the rules and the data cannot disagree on a spelling.
pub(super) mod id {
    pub const ROLES: &str = "roles";
    pub const PROVIDER_OUTSIDE_EU: &str = "provider_outside_eu";
    pub const AI_SYSTEM: &str = "ai_system";
    pub const GPAI_MODEL: &str = "gpai_model";
    pub const GPAI_COMPUTE_THRESHOLD: &str = "gpai_compute_threshold";
    pub const GPAI_DESIGNATED: &str = "gpai_designated";
    pub const SCOPE_EXCLUSION: &str = "scope_exclusion";
    pub const PROHIBITED_MANIPULATION: &str = "prohibited_manipulation";
    pub const PROHIBITED_EXPLOITING_VULNERABILITIES: &str = "prohibited_exploiting_vulnerabilities";
    pub const PROHIBITED_SOCIAL_SCORING: &str = "prohibited_social_scoring";
    pub const PROHIBITED_CRIME_PREDICTION: &str = "prohibited_crime_prediction";
    pub const PROHIBITED_FACE_SCRAPING: &str = "prohibited_face_scraping";
    pub const PROHIBITED_EMOTION_RECOGNITION: &str = "prohibited_emotion_recognition";
    pub const PROHIBITED_BIOMETRIC_CATEGORISATION: &str = "prohibited_biometric_categorisation";
    pub const PROHIBITED_REALTIME_RBI: &str = "prohibited_realtime_rbi";
    pub const REALTIME_RBI_EXCEPTION: &str = "realtime_rbi_exception";
    pub const ANNEX_I_PRODUCT: &str = "annex_i_product";
    pub const ANNEX_III_AREAS: &str = "annex_iii_areas";
    pub const ESSENTIAL_SERVICES_USE: &str = "essential_services_use";
    pub const EXCEPTION_6_3: &str = "exception_6_3";
    pub const PROFILING: &str = "profiling";
    pub const DEPLOYER_TYPE: &str = "deployer_type";
    pub const INTERACTS_WITH_PEOPLE: &str = "interacts_with_people";
    pub const GENERATES_SYNTHETIC_CONTENT: &str = "generates_synthetic_content";
    pub const EMOTION_OR_BIOMETRIC_CATEGORISATION: &str = "emotion_or_biometric_categorisation";
    pub const DEEP_FAKE: &str = "deep_fake";
    pub const PUBLIC_INTEREST_TEXT: &str = "public_interest_text";
}

/// The value of the option that means "none of these" in a choice question.
pub(super) const NONE: &str = "none";

const fn yes(question: &'static str) -> Condition {
    Condition::Is {
        question,
        answer: true,
    }
}

const fn no(question: &'static str) -> Condition {
    Condition::Is {
        question,
        answer: false,
    }
}

const fn chose(question: &'static str, option: &'static str) -> Condition {
    Condition::Chose { question, option }
}

const fn option(value: &'static str, label: &'static str, help: &'static str) -> AnswerOption {
    AnswerOption { value, label, help }
}

/// The organisation provides the system (a product manufacturer counts as its provider).
const PROVIDER: Condition = Any(&[
    chose(id::ROLES, "provider"),
    chose(id::ROLES, "product_manufacturer"),
]);

/// An AI system, inside the Regulation's scope.
const SYSTEM_IN_SCOPE: Condition = All(&[yes(id::AI_SYSTEM), chose(id::SCOPE_EXCLUSION, NONE)]);

/// No prohibited practice was found (each of them was answered no, or real-time remote
/// biometric identification is limited to an exception). A prohibited practice ends the
/// questionnaire: nothing else changes the outcome.
const NOT_PROHIBITED: Condition = All(&[
    no(id::PROHIBITED_MANIPULATION),
    no(id::PROHIBITED_EXPLOITING_VULNERABILITIES),
    no(id::PROHIBITED_SOCIAL_SCORING),
    no(id::PROHIBITED_CRIME_PREDICTION),
    no(id::PROHIBITED_FACE_SCRAPING),
    no(id::PROHIBITED_EMOTION_RECOGNITION),
    no(id::PROHIBITED_BIOMETRIC_CATEGORISATION),
    Any(&[
        no(id::PROHIBITED_REALTIME_RBI),
        yes(id::REALTIME_RBI_EXCEPTION),
    ]),
]);

/// At least one Annex III area was chosen.
const ANNEX_III_AREA: Condition = Any(&[
    chose(id::ANNEX_III_AREAS, "biometrics"),
    chose(id::ANNEX_III_AREAS, "critical_infrastructure"),
    chose(id::ANNEX_III_AREAS, "education"),
    chose(id::ANNEX_III_AREAS, "employment"),
    chose(id::ANNEX_III_AREAS, "essential_services"),
    chose(id::ANNEX_III_AREAS, "law_enforcement"),
    chose(id::ANNEX_III_AREAS, "migration"),
    chose(id::ANNEX_III_AREAS, "justice_democracy"),
]);

/// An Annex III area whose systems decide about people: every area but critical
/// infrastructure (point 2), which Art. 27 and Art. 49(3) leave out.
const ANNEX_III_PEOPLE_AREA: Condition = Any(&[
    chose(id::ANNEX_III_AREAS, "biometrics"),
    chose(id::ANNEX_III_AREAS, "education"),
    chose(id::ANNEX_III_AREAS, "employment"),
    chose(id::ANNEX_III_AREAS, "essential_services"),
    chose(id::ANNEX_III_AREAS, "law_enforcement"),
    chose(id::ANNEX_III_AREAS, "migration"),
    chose(id::ANNEX_III_AREAS, "justice_democracy"),
]);

/// The Art. 6(3) exception does not take the system out of the high-risk tier: it is an
/// Annex I product (the exception is not asked), no condition was claimed, or it profiles.
const NO_VALID_EXCEPTION: Condition = Any(&[
    yes(id::ANNEX_I_PRODUCT),
    chose(id::EXCEPTION_6_3, NONE),
    yes(id::PROFILING),
]);

pub(super) const ROLE_OPTIONS: &[AnswerOption] = &[
    option(
        "provider",
        "Provider",
        "Develops the system, or has it developed, and places it on the market or puts it into service under its own name (Art. 3(3)).",
    ),
    option(
        "deployer",
        "Deployer",
        "Uses the system under its own authority in a professional activity (Art. 3(4)).",
    ),
    option(
        "importer",
        "Importer",
        "Places on the Union market a system that bears the name of a provider established outside the Union (Art. 3(6)).",
    ),
    option(
        "distributor",
        "Distributor",
        "Makes the system available on the Union market without being its provider or importer (Art. 3(7)).",
    ),
    option(
        "product_manufacturer",
        "Product manufacturer",
        "Places the system on the market, or puts it into service, together with its own product and under its own name; it is then treated as the provider (Art. 25(3)).",
    ),
];

pub(super) const AREA_OPTIONS: &[AnswerOption] = &[
    option(
        "biometrics",
        "Biometrics (point 1)",
        "Remote biometric identification (not verification that a person is who they claim to be), categorisation by sensitive or protected attributes, and emotion recognition. Detecting or counting people without establishing who they are is not identification.",
    ),
    option(
        "critical_infrastructure",
        "Critical infrastructure (point 2)",
        "Safety components in the management and operation of critical digital infrastructure, road traffic, or the supply of water, gas, heating or electricity.",
    ),
    option(
        "education",
        "Education and vocational training (point 3)",
        "Deciding access or admission, evaluating learning outcomes, assessing the level of education a person can access, and monitoring prohibited behaviour during tests.",
    ),
    option(
        "employment",
        "Employment and workers' management (point 4)",
        "Recruitment and selection, including targeted job adverts and filtering applications, and decisions on working conditions, promotion, termination or task allocation, or monitoring and evaluating performance and behaviour.",
    ),
    option(
        "essential_services",
        "Access to essential private and public services (point 5)",
        "Eligibility for public assistance benefits and services, creditworthiness and credit scores, risk assessment and pricing in life and health insurance, and evaluating emergency calls, dispatching emergency services or triaging patients.",
    ),
    option(
        "law_enforcement",
        "Law enforcement (point 6)",
        "Uses by or for law enforcement authorities: assessing the risk of a person becoming a victim, polygraphs and similar tools, evaluating the reliability of evidence, assessing the risk of offending or reoffending not solely by profiling, and profiling in criminal investigations.",
    ),
    option(
        "migration",
        "Migration, asylum and border control (point 7)",
        "Uses by or for competent public authorities: polygraphs and similar tools, assessing security, irregular migration or health risks, examining applications for asylum, visas and residence permits, and detecting or identifying people in border control.",
    ),
    option(
        "justice_democracy",
        "Administration of justice and democratic processes (point 8)",
        "Assisting judicial authorities or dispute resolution in researching and interpreting facts and the law and applying it, and influencing the outcome of elections or referenda or how people vote.",
    ),
    option(NONE, "None of these", ""),
];

pub(super) const ESSENTIAL_SERVICE_OPTIONS: &[AnswerOption] = &[
    option(
        "public_benefits",
        "(a) Eligibility for public assistance benefits and services",
        "Used by or for public authorities to grant, reduce, revoke or reclaim benefits and services, including healthcare.",
    ),
    option(
        "creditworthiness",
        "(b) Creditworthiness or credit score of natural persons",
        "Systems used only to detect financial fraud are not included.",
    ),
    option(
        "life_health_insurance",
        "(c) Risk assessment and pricing in life and health insurance",
        "",
    ),
    option(
        "emergency_services",
        "(d) Emergency calls, dispatch and patient triage",
        "Evaluating and classifying emergency calls, dispatching or prioritising police, firefighters or medical aid, and emergency healthcare triage.",
    ),
];

pub(super) const EXCEPTION_OPTIONS: &[AnswerOption] = &[
    option(
        "narrow_procedural_task",
        "(a) It performs a narrow procedural task",
        "For example turning unstructured data into structured data, or sorting incoming documents into categories.",
    ),
    option(
        "improves_human_activity",
        "(b) It improves the result of a previously completed human activity",
        "It adds a layer on top of work a person has already done, such as improving the language of a drafted text.",
    ),
    option(
        "detects_decision_patterns",
        "(c) It detects decision-making patterns or deviations from earlier patterns",
        "It flags possible inconsistencies for review and does not replace or influence the completed human assessment without proper human review.",
    ),
    option(
        "preparatory_task",
        "(d) It performs a preparatory task to an assessment",
        "For example indexing, searching, translating or linking data before an assessment relevant to the Annex III uses.",
    ),
    option(NONE, "None of these", ""),
];

pub(super) const SCOPE_OPTIONS: &[AnswerOption] = &[
    option(NONE, "None of these", ""),
    option(
        "military",
        "Exclusively military, defence or national security use",
        "Art. 2(3).",
    ),
    option(
        "scientific_research",
        "Developed and put into service solely for scientific research and development",
        "Art. 2(6). Testing a product before placing it on the market is not covered.",
    ),
    option(
        "personal_use",
        "Used by a natural person in a purely personal, non-professional activity",
        "Art. 2(10).",
    ),
];

pub(super) const DEPLOYER_TYPE_OPTIONS: &[AnswerOption] = &[
    option(
        "public_body",
        "A public authority or other body governed by public law",
        "",
    ),
    option(
        "public_service",
        "A private entity providing public services",
        "For example in education, healthcare, social services, housing or the administration of justice.",
    ),
    option("other", "Neither", ""),
];

pub(super) const QUESTIONS: &[Question] = &[
    // ---------------------------------------------------------------- roles and scope
    Question {
        id: id::ROLES,
        text: "Which roles does the organisation hold for this AI system?",
        help: "Choose every role that applies. Each option describes the role.",
        kind: MultipleChoice(ROLE_OPTIONS),
        shown_when: None,
    },
    Question {
        id: id::PROVIDER_OUTSIDE_EU,
        text: "Is the organisation, as provider, established outside the European Union?",
        help: "A provider established outside the Union appoints an authorised representative in the Union (Art. 22 for high-risk systems, Art. 54 for general-purpose AI models).",
        kind: YesNo,
        shown_when: Some(PROVIDER),
    },
    Question {
        id: id::AI_SYSTEM,
        text: "Is it an AI system as defined in Art. 3(1)?",
        help: "A machine-based system that works with some autonomy and infers from its input how to produce outputs such as predictions, content, recommendations or decisions. Software that only executes rules written by people is not one. Answer no for a general-purpose AI model offered on its own, not built into a system.",
        kind: YesNo,
        shown_when: None,
    },
    Question {
        id: id::GPAI_MODEL,
        text: "Is it, or is it built on, a general-purpose AI model that the organisation itself provides?",
        help: "A general-purpose AI model is trained on large amounts of data, shows significant generality and can perform a wide range of distinct tasks (Art. 3(63)). Answer no when the model comes from another provider: its model duties stay with that provider.",
        kind: YesNo,
        shown_when: Some(PROVIDER),
    },
    Question {
        id: id::GPAI_COMPUTE_THRESHOLD,
        text: "Was the model trained with more than 10^25 floating-point operations of cumulative compute?",
        help: "Above this threshold a model is presumed to have high-impact capabilities and so systemic risk (Art. 51(2)), and the provider notifies the Commission (Art. 52).",
        kind: YesNo,
        shown_when: Some(yes(id::GPAI_MODEL)),
    },
    Question {
        id: id::GPAI_DESIGNATED,
        text: "Has the Commission designated the model as having systemic risk?",
        help: "The Commission may designate a model on its own initiative or after an alert from the scientific panel, using the criteria of Annex XIII (Art. 51(1)(b)).",
        kind: YesNo,
        shown_when: Some(no(id::GPAI_COMPUTE_THRESHOLD)),
    },
    Question {
        id: id::SCOPE_EXCLUSION,
        text: "Does one of these exclusions from the Regulation's scope apply?",
        help: "Only the plain cases are listed. When in doubt, choose none and continue.",
        kind: SingleChoice(SCOPE_OPTIONS),
        shown_when: Some(Any(&[yes(id::AI_SYSTEM), yes(id::GPAI_MODEL)])),
    },
    // ------------------------------------------------------ prohibited practices (Art. 5)
    Question {
        id: id::PROHIBITED_MANIPULATION,
        text: "Does it use subliminal, purposefully manipulative or deceptive techniques that materially distort people's behaviour in a way likely to cause significant harm?",
        help: "Art. 5(1)(a). Persuasion that people can recognise and resist, such as ordinary advertising, is not meant.",
        kind: YesNo,
        shown_when: Some(SYSTEM_IN_SCOPE),
    },
    Question {
        id: id::PROHIBITED_EXPLOITING_VULNERABILITIES,
        text: "Does it exploit vulnerabilities of people due to their age, disability or social or economic situation, distorting their behaviour in a way likely to cause significant harm?",
        help: "Art. 5(1)(b).",
        kind: YesNo,
        shown_when: Some(SYSTEM_IN_SCOPE),
    },
    Question {
        id: id::PROHIBITED_SOCIAL_SCORING,
        text: "Does it evaluate or classify people over time by their social behaviour or personal characteristics, with a score that leads to detrimental treatment in unrelated contexts or out of proportion to that behaviour?",
        help: "Art. 5(1)(c). Scoring in the context where the data was collected and in proportion to it, such as a credit score from repayment history, is not social scoring; it may be high-risk instead.",
        kind: YesNo,
        shown_when: Some(SYSTEM_IN_SCOPE),
    },
    Question {
        id: id::PROHIBITED_CRIME_PREDICTION,
        text: "Does it predict the risk that a person will commit a criminal offence based solely on profiling or on personality traits?",
        help: "Art. 5(1)(d). Supporting a human assessment that rests on objective, verifiable facts directly linked to criminal activity is not covered.",
        kind: YesNo,
        shown_when: Some(SYSTEM_IN_SCOPE),
    },
    Question {
        id: id::PROHIBITED_FACE_SCRAPING,
        text: "Does it create or expand facial recognition databases by untargeted scraping of facial images from the internet or CCTV footage?",
        help: "Art. 5(1)(e).",
        kind: YesNo,
        shown_when: Some(SYSTEM_IN_SCOPE),
    },
    Question {
        id: id::PROHIBITED_EMOTION_RECOGNITION,
        text: "Does it infer the emotions of people at the workplace or in education institutions, other than for medical or safety reasons?",
        help: "Art. 5(1)(f). Emotion recognition elsewhere is not prohibited, but it is high-risk (Annex III point 1) and carries a transparency duty (Art. 50(3)).",
        kind: YesNo,
        shown_when: Some(SYSTEM_IN_SCOPE),
    },
    Question {
        id: id::PROHIBITED_BIOMETRIC_CATEGORISATION,
        text: "Does it categorise people from their biometric data to deduce their race, political opinions, trade union membership, religious or philosophical beliefs, sex life or sexual orientation?",
        help: "Art. 5(1)(g). Labelling or filtering lawfully acquired biometric datasets, and such categorisation in law enforcement, are not covered.",
        kind: YesNo,
        shown_when: Some(SYSTEM_IN_SCOPE),
    },
    Question {
        id: id::PROHIBITED_REALTIME_RBI,
        text: "Is it used for real-time remote biometric identification of people in publicly accessible spaces for the purpose of law enforcement?",
        help: "Art. 5(1)(h). Real-time means that capture, comparison and identification happen without significant delay; remote means without the person's active involvement.",
        kind: YesNo,
        shown_when: Some(SYSTEM_IN_SCOPE),
    },
    Question {
        id: id::REALTIME_RBI_EXCEPTION,
        text: "Is that use strictly limited to one of the exceptions of Art. 5(1)(h), with the prior authorisation of Art. 5(3)?",
        help: "The exceptions: a targeted search for specific victims of abduction, trafficking or sexual exploitation, or for missing persons; preventing a specific, substantial and imminent threat to life or physical safety, or a genuine threat of a terrorist attack; locating or identifying a suspect of one of the serious offences of Annex II. Such use is high-risk: choose biometrics among the Annex III areas.",
        kind: YesNo,
        shown_when: Some(yes(id::PROHIBITED_REALTIME_RBI)),
    },
    // ------------------------------------------------------------ high-risk (Art. 6)
    Question {
        id: id::ANNEX_I_PRODUCT,
        text: "Is it a product, or a safety component of a product, covered by the Union harmonisation legislation of Annex I, which requires a third-party conformity assessment of that product?",
        help: "Annex I covers, among others, machinery, toys, lifts, radio equipment, medical devices and in vitro diagnostic devices, and in its Section B vehicles, aircraft and marine equipment. Both conditions must hold (Art. 6(1)).",
        kind: YesNo,
        shown_when: Some(NOT_PROHIBITED),
    },
    Question {
        id: id::ANNEX_III_AREAS,
        text: "In which of the areas listed in Annex III is it intended to be used?",
        help: "Choose every area that applies, or none. An area covers only the uses Annex III lists for it, described under each option.",
        kind: MultipleChoice(AREA_OPTIONS),
        shown_when: Some(NOT_PROHIBITED),
    },
    Question {
        id: id::ESSENTIAL_SERVICES_USE,
        text: "Which use under Annex III point 5 is it intended for?",
        help: "Choose every use that applies. For uses (b) and (c), every deployer assesses the impact on fundamental rights before first use (Art. 27).",
        kind: MultipleChoice(ESSENTIAL_SERVICE_OPTIONS),
        shown_when: Some(chose(id::ANNEX_III_AREAS, "essential_services")),
    },
    Question {
        id: id::EXCEPTION_6_3,
        text: "Does one of the conditions of Art. 6(3) describe what it does in that area?",
        help: "An Annex III system is not high-risk when it poses no significant risk of harm to health, safety or fundamental rights, including by not materially influencing the outcome of decisions, and one of these conditions holds. The provider documents that assessment before placing the system on the market (Art. 6(4)) and still registers the system (Art. 49(2)).",
        kind: MultipleChoice(EXCEPTION_OPTIONS),
        shown_when: Some(All(&[no(id::ANNEX_I_PRODUCT), ANNEX_III_AREA])),
    },
    Question {
        id: id::PROFILING,
        text: "Does it perform profiling of natural persons?",
        help: "Profiling is automated processing of personal data to evaluate personal aspects of a person, such as work performance, economic situation, health, preferences, reliability, behaviour or location (Art. 4(4) of Regulation (EU) 2016/679). An Annex III system that profiles people is always high-risk (Art. 6(3), last subparagraph).",
        kind: YesNo,
        shown_when: Some(Any(&[
            chose(id::EXCEPTION_6_3, "narrow_procedural_task"),
            chose(id::EXCEPTION_6_3, "improves_human_activity"),
            chose(id::EXCEPTION_6_3, "detects_decision_patterns"),
            chose(id::EXCEPTION_6_3, "preparatory_task"),
        ])),
    },
    Question {
        id: id::DEPLOYER_TYPE,
        text: "What kind of deployer is the organisation?",
        help: "Public bodies and private entities providing public services assess the impact on fundamental rights before using a high-risk system of Annex III (Art. 27); public authorities also register their use in the EU database (Art. 26(8), Art. 49(3)).",
        kind: SingleChoice(DEPLOYER_TYPE_OPTIONS),
        shown_when: Some(All(&[
            chose(id::ROLES, "deployer"),
            ANNEX_III_PEOPLE_AREA,
            NO_VALID_EXCEPTION,
        ])),
    },
    // --------------------------------------------------------- transparency (Art. 50)
    Question {
        id: id::INTERACTS_WITH_PEOPLE,
        text: "Is it intended to interact directly with natural persons?",
        help: "Chat assistants, voice agents and the like. The provider designs it so that people are told they are dealing with an AI system, unless that is obvious from the context (Art. 50(1)).",
        kind: YesNo,
        shown_when: Some(NOT_PROHIBITED),
    },
    Question {
        id: id::GENERATES_SYNTHETIC_CONTENT,
        text: "Does it generate synthetic audio, image, video or text content?",
        help: "The provider marks such outputs in a machine-readable format so that they can be detected as artificially generated or manipulated (Art. 50(2)). Assistive editing that does not substantially alter the input is not covered.",
        kind: YesNo,
        shown_when: Some(NOT_PROHIBITED),
    },
    Question {
        id: id::EMOTION_OR_BIOMETRIC_CATEGORISATION,
        text: "Is it an emotion recognition or biometric categorisation system?",
        help: "The deployer informs the people exposed to it (Art. 50(3)). Both uses are also listed in Annex III point 1: choose biometrics among the Annex III areas where that applies.",
        kind: YesNo,
        shown_when: Some(NOT_PROHIBITED),
    },
    Question {
        id: id::DEEP_FAKE,
        text: "Does it generate or manipulate image, audio or video content that is a deep fake?",
        help: "A deep fake resembles existing persons, objects, places, entities or events and would falsely appear to a person to be authentic or truthful (Art. 3(60)). The deployer discloses it; for evidently artistic, creative, satirical or fictional works the disclosure may be limited (Art. 50(4)).",
        kind: YesNo,
        shown_when: Some(yes(id::GENERATES_SYNTHETIC_CONTENT)),
    },
    Question {
        id: id::PUBLIC_INTEREST_TEXT,
        text: "Is text it generates or manipulates published to inform the public on matters of public interest, without human review and editorial responsibility?",
        help: "The deployer discloses that such text is artificially generated or manipulated, unless it has gone through human review or editorial control and a person holds editorial responsibility for it (Art. 50(4)).",
        kind: YesNo,
        shown_when: Some(yes(id::GENERATES_SYNTHETIC_CONTENT)),
    },
];
