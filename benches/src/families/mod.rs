//! The report's kernel families: each plans its steps (one per case, so the
//! progress bar knows the total before anything runs) and each step
//! measures simkern against its baselines.

mod binomial;
mod dot;
mod infonce;
mod logsumexp;
mod parallel;
mod rank;
mod search;
mod similarity_matrix;
mod statistics;
mod storage;

use simkern::Kernels;

use crate::report::Report;

/// What every family needs to know about the run.
#[derive(Clone, Copy)]
pub struct Setup {
    /// Fewer, smaller cases (CI smoke run).
    pub quick: bool,
    /// The level the kernels run at.
    pub level: Kernels,
}

impl Setup {
    /// Whether the level was forced (`--level`): the default entry points
    /// (run-time dispatch) are measured unless it was.
    pub fn forced(&self) -> bool {
        self.level != Kernels::best()
    }
}

/// One case of a family: a label for the progress bar and the measurement.
pub struct Step {
    /// What the progress bar shows while it runs.
    pub label: String,
    /// Measures the case into the report.
    pub run: Box<dyn FnOnce(&mut Report)>,
}

impl Step {
    fn new(label: String, run: impl FnOnce(&mut Report) + 'static) -> Self {
        Step { label, run: Box::new(run) }
    }
}

/// A family: its name (for `--filter`), its steps, and the accuracy table
/// printed after the speed table, if it has one.
pub struct Family {
    /// The name `--filter` matches.
    pub name: &'static str,
    /// The steps for a run.
    pub plan: fn(Setup) -> Vec<Step>,
    /// An accuracy table (title, Markdown) to print after the rows.
    pub accuracy: Option<fn(Setup) -> (String, String)>,
}

/// Every family, in report order.
pub const ALL: [Family; 10] = [
    Family { name: "dot", plan: dot::plan, accuracy: Some(dot::accuracy) },
    Family { name: "storage", plan: storage::plan, accuracy: None },
    Family { name: "similarity_matrix", plan: similarity_matrix::plan, accuracy: None },
    Family { name: "search", plan: search::plan, accuracy: None },
    Family { name: "logsumexp", plan: logsumexp::plan, accuracy: None },
    Family { name: "infonce", plan: infonce::plan, accuracy: None },
    Family { name: "rank", plan: rank::plan, accuracy: None },
    Family { name: "binomial", plan: binomial::plan, accuracy: Some(binomial::accuracy) },
    Family { name: "statistics", plan: statistics::plan, accuracy: None },
    Family { name: "parallel", plan: parallel::plan, accuracy: None },
];
