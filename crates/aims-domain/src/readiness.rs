//! Certification readiness: the status of every SoA entry rolled up per clause, per Annex A
//! objective, per framework and overall, and the coverage of other frameworks computed
//! through crosswalks. The formula is described in `docs/readiness.md`; this module is its
//! only implementation.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::soa::{
    ConformityStatus, ControlFields, EvidenceState, ImplementationStatus, RequirementFields,
    evidence_state,
};

/// Credit of an entry whose status is "partially" (implemented or conforming).
pub const PARTIAL_CREDIT: f64 = 0.5;

/// The state of one entry, as the formula reads it.
#[derive(Debug, Clone, Copy)]
pub enum ItemState<'a> {
    Control(&'a ControlFields),
    Requirement(&'a RequirementFields),
}

/// One entry of the SoA and the group (clause or Annex A objective) it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct ItemInput<'a> {
    pub item_ref: &'a str,
    /// The clause (`4` … `10`) of a requirement, the objective (`A.2` … `A.10`) of a control.
    pub group_ref: &'a str,
    pub state: ItemState<'a>,
}

/// A clause or an objective, in the order to report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDef {
    pub group_ref: String,
    pub title: String,
}

/// What one entry contributes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct ItemScore {
    /// False for an excluded control: it is left out of every figure.
    pub in_scope: bool,
    /// What the status claims before evidence is looked at: 1, 0.5 or 0.
    pub claimed: f64,
    /// What counts: the claim when the evidence is current, else 0.
    pub credit: f64,
    pub evidence: EvidenceState,
}

/// The score of one entry on `today`.
pub fn item_score(state: ItemState<'_>, today: NaiveDate) -> ItemScore {
    let (in_scope, claimed, evidence) = match state {
        ItemState::Control(c) => {
            let claimed = match c.status {
                ImplementationStatus::Implemented => 1.0,
                ImplementationStatus::PartiallyImplemented => PARTIAL_CREDIT,
                _ => 0.0,
            };
            (
                c.applicable && c.status != ImplementationStatus::NotApplicable,
                claimed,
                evidence_state(&c.evidence, today),
            )
        }
        ItemState::Requirement(r) => {
            let claimed = match r.status {
                ConformityStatus::Conforming => 1.0,
                ConformityStatus::PartiallyConforming => PARTIAL_CREDIT,
                _ => 0.0,
            };
            (true, claimed, evidence_state(&r.evidence, today))
        }
    };
    let credit = if in_scope && evidence == EvidenceState::Current {
        claimed
    } else {
        0.0
    };
    ItemScore {
        in_scope,
        claimed: if in_scope { claimed } else { 0.0 },
        credit,
        evidence,
    }
}

/// A roll-up of entries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Score {
    /// Entries in scope (excluded controls are not).
    pub items: u32,
    /// Entries in scope with full credit.
    pub done: u32,
    /// Sum of the credits.
    pub credit: f64,
    /// 100 × credit / items, to one decimal; none when nothing is in scope.
    pub percent: Option<f64>,
    /// Entries in scope whose status claims progress but that have no evidence.
    pub evidence_missing: u32,
    /// Entries in scope whose status claims progress but whose evidence has all expired.
    pub evidence_expired: u32,
    /// Controls excluded from the SoA.
    pub excluded: u32,
}

impl Score {
    fn add(&mut self, s: &ItemScore) {
        if !s.in_scope {
            self.excluded += 1;
            return;
        }
        self.items += 1;
        self.credit += s.credit;
        if s.credit >= 1.0 {
            self.done += 1;
        }
        if s.claimed > 0.0 {
            match s.evidence {
                EvidenceState::Missing => self.evidence_missing += 1,
                EvidenceState::Expired => self.evidence_expired += 1,
                EvidenceState::Current => {}
            }
        }
    }

    fn finish(mut self) -> Self {
        self.percent = percent(self.credit, self.items);
        self
    }
}

fn percent(credit: f64, items: u32) -> Option<f64> {
    (items > 0).then(|| (1000.0 * credit / f64::from(items)).round() / 10.0)
}

/// The score of one clause or objective.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GroupScore {
    pub group_ref: String,
    pub title: String,
    pub score: Score,
}

/// Readiness of the adopted framework.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Readiness {
    /// The day evidence expiry was judged against.
    pub as_of: NaiveDate,
    /// Every entry in scope, each weighing the same.
    pub overall: Score,
    /// The management-system requirements (clauses 4 to 10).
    pub requirements: Score,
    /// The Annex A controls.
    pub controls: Score,
    pub by_clause: Vec<GroupScore>,
    pub by_objective: Vec<GroupScore>,
}

/// Rolls entries up. Entries whose group is not among `clauses` or `objectives` count in the
/// totals only.
pub fn readiness(
    clauses: &[GroupDef],
    objectives: &[GroupDef],
    items: &[ItemInput<'_>],
    today: NaiveDate,
) -> Readiness {
    let mut overall = Score::default();
    let mut requirements = Score::default();
    let mut controls = Score::default();
    let mut groups: HashMap<&str, Score> = HashMap::new();
    for item in items {
        let s = item_score(item.state, today);
        overall.add(&s);
        match item.state {
            ItemState::Control(_) => controls.add(&s),
            ItemState::Requirement(_) => requirements.add(&s),
        }
        groups.entry(item.group_ref).or_default().add(&s);
    }
    let roll = |defs: &[GroupDef]| -> Vec<GroupScore> {
        defs.iter()
            .map(|g| GroupScore {
                group_ref: g.group_ref.clone(),
                title: g.title.clone(),
                score: groups
                    .get(g.group_ref.as_str())
                    .cloned()
                    .unwrap_or_default()
                    .finish(),
            })
            .collect()
    };
    Readiness {
        as_of: today,
        by_clause: roll(clauses),
        by_objective: roll(objectives),
        overall: overall.finish(),
        requirements: requirements.finish(),
        controls: controls.finish(),
    }
}

/// How strongly a crosswalk mapping carries work from its source to its target. Read
/// "source is … of target".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// `equal` or `superset`: the source asks for at least what the target asks for.
    Full,
    /// `subset` or `intersect`: the source covers part of the target.
    Partial,
    /// `related`: the source contributes evidence only.
    Related,
}

impl Strength {
    pub fn weight(self) -> f64 {
        match self {
            Strength::Full => 1.0,
            Strength::Partial => 0.75,
            Strength::Related => 0.5,
        }
    }
}

/// One mapping from an entry of the adopted framework to a node of another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingInput {
    pub source_ref: String,
    pub target_ref: String,
    pub strength: Strength,
}

/// A node of the other framework that can be covered, and its top-level group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetDef {
    pub target_ref: String,
    pub group_ref: String,
}

/// Coverage of one node of the other framework.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TargetCoverage {
    pub target_ref: String,
    /// 0 to 1: the weighted mean credit of the in-scope entries mapped to it.
    pub coverage: f64,
    /// The in-scope entries of the adopted framework that feed it.
    pub sources: Vec<String>,
}

/// Coverage of one group of the other framework (a NIST AI RMF function, an EU AI Act
/// chapter…).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GroupCoverage {
    pub group_ref: String,
    pub title: String,
    pub targets: u32,
    /// Mean coverage of its nodes, in percent to one decimal.
    pub percent: Option<f64>,
}

/// The computed view of another framework.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Coverage {
    pub framework_id: String,
    pub name: String,
    /// Nodes of the other framework that can be covered.
    pub targets: u32,
    /// Mean coverage of every node, in percent to one decimal.
    pub percent: Option<f64>,
    /// Nodes that no in-scope entry maps to: the adopted framework's work says nothing of them.
    pub uncovered: Vec<String>,
    pub by_group: Vec<GroupCoverage>,
    pub items: Vec<TargetCoverage>,
}

/// Carries the credits of the adopted framework's entries over a crosswalk.
pub fn coverage(
    framework_id: &str,
    name: &str,
    groups: &[GroupDef],
    targets: &[TargetDef],
    mappings: &[MappingInput],
    items: &[ItemInput<'_>],
    today: NaiveDate,
) -> Coverage {
    let scores: HashMap<&str, ItemScore> = items
        .iter()
        .map(|i| (i.item_ref, item_score(i.state, today)))
        .collect();
    let mut out_items = Vec::with_capacity(targets.len());
    let mut uncovered = Vec::new();
    let mut group_sums: HashMap<&str, (u32, f64)> = HashMap::new();
    let mut total = 0.0;
    for target in targets {
        let mut weight = 0.0;
        let mut sum = 0.0;
        let mut sources = Vec::new();
        for m in mappings
            .iter()
            .filter(|m| m.target_ref == target.target_ref)
        {
            let Some(score) = scores.get(m.source_ref.as_str()) else {
                continue;
            };
            if !score.in_scope {
                continue;
            }
            weight += m.strength.weight();
            sum += m.strength.weight() * score.credit;
            if !sources.contains(&m.source_ref) {
                sources.push(m.source_ref.clone());
            }
        }
        let value = if weight > 0.0 { sum / weight } else { 0.0 };
        if sources.is_empty() {
            uncovered.push(target.target_ref.clone());
        }
        total += value;
        let g = group_sums.entry(target.group_ref.as_str()).or_default();
        g.0 += 1;
        g.1 += value;
        out_items.push(TargetCoverage {
            target_ref: target.target_ref.clone(),
            coverage: (value * 1000.0).round() / 1000.0,
            sources,
        });
    }
    let count = u32::try_from(targets.len()).unwrap_or(u32::MAX);
    Coverage {
        framework_id: framework_id.to_owned(),
        name: name.to_owned(),
        targets: count,
        percent: percent(total, count),
        uncovered,
        by_group: groups
            .iter()
            .map(|g| {
                let (n, sum) = group_sums
                    .get(g.group_ref.as_str())
                    .copied()
                    .unwrap_or_default();
                GroupCoverage {
                    group_ref: g.group_ref.clone(),
                    title: g.title.clone(),
                    targets: n,
                    percent: percent(sum, n),
                }
            })
            .collect(),
        items: out_items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soa::EvidenceRef;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn evidence(expires: Option<&str>) -> Vec<EvidenceRef> {
        vec![EvidenceRef {
            reference: "doc".into(),
            expires_on: expires.map(day),
        }]
    }

    fn control(status: ImplementationStatus, evidence: Vec<EvidenceRef>) -> ControlFields {
        ControlFields {
            applicable: status != ImplementationStatus::NotApplicable,
            justification: "why".into(),
            status,
            evidence,
            ..ControlFields::default()
        }
    }

    fn requirement(status: ConformityStatus, evidence: Vec<EvidenceRef>) -> RequirementFields {
        RequirementFields {
            status,
            evidence,
            ..RequirementFields::default()
        }
    }

    fn group(r: &str) -> GroupDef {
        GroupDef {
            group_ref: r.into(),
            title: format!("Group {r}"),
        }
    }

    const TODAY: &str = "2026-03-01";

    #[test]
    fn credit_needs_current_evidence() {
        use ImplementationStatus::*;
        let today = day(TODAY);
        let cases = [
            (Implemented, evidence(None), 1.0),
            (Implemented, evidence(Some("2026-03-01")), 1.0),
            (Implemented, evidence(Some("2026-02-28")), 0.0),
            (Implemented, vec![], 0.0),
            (PartiallyImplemented, evidence(None), 0.5),
            (Planned, evidence(None), 0.0),
            (NotStarted, evidence(None), 0.0),
        ];
        for (status, ev, expected) in cases {
            let c = control(status, ev);
            let s = item_score(ItemState::Control(&c), today);
            assert!(s.in_scope);
            assert_eq!(s.credit, expected, "{status:?}");
        }
        let excluded = control(NotApplicable, vec![]);
        let s = item_score(ItemState::Control(&excluded), today);
        assert!(!s.in_scope);
        assert_eq!(s.credit, 0.0);

        let r = requirement(ConformityStatus::PartiallyConforming, evidence(None));
        assert_eq!(item_score(ItemState::Requirement(&r), today).credit, 0.5);
        let r = requirement(ConformityStatus::Conforming, vec![]);
        assert_eq!(item_score(ItemState::Requirement(&r), today).credit, 0.0);
    }

    #[test]
    fn rolls_up_per_group_part_and_overall() {
        use ImplementationStatus::*;
        let c1 = control(Implemented, evidence(None));
        let c2 = control(PartiallyImplemented, evidence(None));
        let c3 = control(Implemented, evidence(Some("2025-12-31")));
        let c4 = control(NotApplicable, vec![]);
        let c5 = control(Implemented, vec![]);
        let r1 = requirement(ConformityStatus::Conforming, evidence(None));
        let r2 = requirement(ConformityStatus::NotAssessed, vec![]);
        let items = [
            ItemInput {
                item_ref: "A.2.2",
                group_ref: "A.2",
                state: ItemState::Control(&c1),
            },
            ItemInput {
                item_ref: "A.2.3",
                group_ref: "A.2",
                state: ItemState::Control(&c2),
            },
            ItemInput {
                item_ref: "A.3.2",
                group_ref: "A.3",
                state: ItemState::Control(&c3),
            },
            ItemInput {
                item_ref: "A.3.3",
                group_ref: "A.3",
                state: ItemState::Control(&c4),
            },
            ItemInput {
                item_ref: "A.3.4",
                group_ref: "A.3",
                state: ItemState::Control(&c5),
            },
            ItemInput {
                item_ref: "4.1",
                group_ref: "4",
                state: ItemState::Requirement(&r1),
            },
            ItemInput {
                item_ref: "4.2",
                group_ref: "4",
                state: ItemState::Requirement(&r2),
            },
        ];
        let r = readiness(
            &[group("4"), group("5")],
            &[group("A.2"), group("A.3")],
            &items,
            day(TODAY),
        );
        // A.2: 1 + 0.5 of 2.
        assert_eq!(r.by_objective[0].score.percent, Some(75.0));
        assert_eq!(r.by_objective[0].score.done, 1);
        // A.3: expired and missing evidence count 0; the excluded control is out of scope.
        let a3 = &r.by_objective[1].score;
        assert_eq!((a3.items, a3.excluded), (2, 1));
        assert_eq!(a3.percent, Some(0.0));
        assert_eq!((a3.evidence_expired, a3.evidence_missing), (1, 1));
        assert_eq!(r.by_clause[0].score.percent, Some(50.0));
        // A clause without entries has no percentage, rather than a misleading 0.
        assert_eq!(r.by_clause[1].score.percent, None);
        assert_eq!(r.controls.items, 4);
        assert_eq!(r.controls.percent, Some(37.5));
        assert_eq!(r.requirements.percent, Some(50.0));
        // Overall: (1 + 0.5 + 0 + 0 + 1 + 0) / 6.
        assert_eq!(r.overall.items, 6);
        assert_eq!(r.overall.percent, Some(41.7));
    }

    #[test]
    fn coverage_carries_credit_over_crosswalk_mappings() {
        use ImplementationStatus::*;
        let done = control(Implemented, evidence(None));
        let none = control(NotStarted, vec![]);
        let excluded = control(NotApplicable, vec![]);
        let items = [
            ItemInput {
                item_ref: "A.2.2",
                group_ref: "A.2",
                state: ItemState::Control(&done),
            },
            ItemInput {
                item_ref: "A.2.3",
                group_ref: "A.2",
                state: ItemState::Control(&none),
            },
            ItemInput {
                item_ref: "A.2.4",
                group_ref: "A.2",
                state: ItemState::Control(&excluded),
            },
        ];
        let m = |s: &str, t: &str, strength| MappingInput {
            source_ref: s.into(),
            target_ref: t.into(),
            strength,
        };
        let mappings = [
            m("A.2.2", "GOVERN 1.1", Strength::Full),
            m("A.2.2", "GOVERN 1.2", Strength::Related),
            m("A.2.3", "GOVERN 1.2", Strength::Full),
            m("A.2.4", "MAP 1.1", Strength::Full),
        ];
        let t = |r: &str, g: &str| TargetDef {
            target_ref: r.into(),
            group_ref: g.into(),
        };
        let targets = [
            t("GOVERN 1.1", "GOVERN"),
            t("GOVERN 1.2", "GOVERN"),
            t("MAP 1.1", "MAP"),
        ];
        let c = coverage(
            "nist",
            "NIST",
            &[group("GOVERN"), group("MAP")],
            &targets,
            &mappings,
            &items,
            day(TODAY),
        );
        assert_eq!(c.items[0].coverage, 1.0);
        // (0.5 × 1 + 1 × 0) / 1.5
        assert_eq!(c.items[1].coverage, 0.333);
        assert_eq!(c.items[1].sources, ["A.2.2", "A.2.3"]);
        // Only an excluded control maps to MAP 1.1: nothing covers it.
        assert_eq!(c.uncovered, ["MAP 1.1"]);
        assert_eq!(c.by_group[0].percent, Some(66.7));
        assert_eq!(c.by_group[1].percent, Some(0.0));
        assert_eq!(c.percent, Some(44.4));
    }
}
