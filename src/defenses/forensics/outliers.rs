//! Loss-based outlier score: the loss of each recent record's ingested label under a filter
//! trained only on the trusted historical baseline (batch 0). Mislabelled or label-flipped
//! records — spam ingested as ham — cost that filter a lot; a record is flagged when the
//! baseline filter gives its label less than 5% probability (loss > ln 20).

use crate::spam::filter::Filter;
use crate::spam::Lab;

pub const THRESHOLD: f32 = 2.995_732; // ln 20

/// (record, loss) for every recent training record.
pub fn scores(lab: &Lab, baseline: &Filter) -> Vec<(u32, f32)> {
    lab.train_ids().into_iter().filter(|&i| lab.docs[i as usize].meta.batch > 0).map(|i| (i, baseline.loss(&lab.docs[i as usize]))).collect()
}

pub fn flag(scores: &[(u32, f32)]) -> Vec<u32> {
    scores.iter().filter(|(_, l)| *l > THRESHOLD).map(|(i, _)| *i).collect()
}
