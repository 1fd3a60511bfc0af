//! Confusion counts of a binary classifier and the rates derived from them. Counts merge
//! by addition, so partitions, threads and databases can each count and be combined.

use serde::Serialize;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub true_positives: u64,
    pub false_positives: u64,
    pub true_negatives: u64,
    pub false_negatives: u64,
}

/// A rate: `numerator / denominator`, undefined when the denominator is zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    pub numerator: u64,
    pub denominator: u64,
}

impl Ratio {
    pub fn value(self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }
}

impl Confusion {
    pub fn add(&mut self, label: bool, prediction: bool) {
        match (label, prediction) {
            (true, true) => self.true_positives += 1,
            (false, true) => self.false_positives += 1,
            (false, false) => self.true_negatives += 1,
            (true, false) => self.false_negatives += 1,
        }
    }

    pub fn merge(&mut self, other: &Confusion) {
        self.true_positives += other.true_positives;
        self.false_positives += other.false_positives;
        self.true_negatives += other.true_negatives;
        self.false_negatives += other.false_negatives;
    }

    pub fn count(&self) -> u64 {
        self.true_positives + self.false_positives + self.true_negatives + self.false_negatives
    }

    pub fn positives(&self) -> u64 {
        self.true_positives + self.false_negatives
    }

    pub fn negatives(&self) -> u64 {
        self.false_positives + self.true_negatives
    }

    /// P(ŷ = 1).
    pub fn selection_rate(&self) -> Ratio {
        Ratio {
            numerator: self.true_positives + self.false_positives,
            denominator: self.count(),
        }
    }

    pub fn accuracy(&self) -> Ratio {
        Ratio {
            numerator: self.true_positives + self.true_negatives,
            denominator: self.count(),
        }
    }

    /// P(y = 1 | ŷ = 1).
    pub fn precision(&self) -> Ratio {
        Ratio {
            numerator: self.true_positives,
            denominator: self.true_positives + self.false_positives,
        }
    }

    /// P(ŷ = 1 | y = 1).
    pub fn true_positive_rate(&self) -> Ratio {
        Ratio {
            numerator: self.true_positives,
            denominator: self.positives(),
        }
    }

    /// P(ŷ = 1 | y = 0).
    pub fn false_positive_rate(&self) -> Ratio {
        Ratio {
            numerator: self.false_positives,
            denominator: self.negatives(),
        }
    }

    /// P(ŷ = 0 | y = 1).
    pub fn false_negative_rate(&self) -> Ratio {
        Ratio {
            numerator: self.false_negatives,
            denominator: self.positives(),
        }
    }

    /// P(ŷ = 0 | y = 0).
    pub fn true_negative_rate(&self) -> Ratio {
        Ratio {
            numerator: self.true_negatives,
            denominator: self.negatives(),
        }
    }

    /// P(y = 1).
    pub fn base_rate(&self) -> Ratio {
        Ratio {
            numerator: self.positives(),
            denominator: self.count(),
        }
    }
}
