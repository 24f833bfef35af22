//! The model suite: one module per concept. Each test runs a variant through the same checker
//! the command line uses and pins what it must find (or that it holds).

mod support;

mod cli;
mod counter_race;
mod executor;
// mod expectations; (after the models declare their concepts)
mod architecture;
mod backend_panics;
mod locks;
mod processes;
mod queue;
mod queue_reference;
mod threads;
