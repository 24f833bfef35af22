//! The concepts, one file each, numbered in the tutorial's order (see CURRICULUM.md).

#[path = "07_counter_race.rs"]
pub mod counter_race;

use crate::model::{Concept, Variant};

/// Every concept with its variants, in the tutorial's order.
pub fn all() -> Vec<Concept> {
    vec![Concept {
        id: "counter-race",
        title: "the counter race: a lost update (tutorial 4.1)",
        file: "models/07_counter_race.rs",
        variants: vec![
            Variant::of::<counter_race::Unlocked>(),
            Variant::of::<counter_race::Locked>(),
            Variant::of::<counter_race::JoinEach>(),
        ],
        timing: Some(counter_race::timing),
    }]
}

/// The variant with this `concept/variant` id.
pub fn find(id: &str) -> Option<Variant> {
    all()
        .into_iter()
        .flat_map(|c| c.variants)
        .find(|v| v.id == id)
}

/// Every `concept/variant` id, in order.
pub fn ids() -> Vec<&'static str> {
    all()
        .into_iter()
        .flat_map(|c| c.variants)
        .map(|v| v.id)
        .collect()
}
