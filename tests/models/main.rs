//! The model suite: one module per concept. Each test runs a variant through the same checker
//! the command line uses and pins what it must find (or that it holds).

// A test binary has no outside: its `pub` items are the suite's shared helpers and the gate
// corpus's student-shaped files, compiled as modules here.
#![allow(unreachable_pub)]

mod support;

mod architecture;
mod atomics;
mod atomics_std;
mod backend_panics;
mod barrier;
mod blind_spots;
mod children;
mod ci_workflow;
mod cli;
#[cfg(not(loom))]
mod coroutine_timing;
mod counter_race;
mod counter_race_timing;
mod echo;
#[cfg(not(loom))]
mod echo_net;
mod executor;
mod expectations;
mod explanations;
mod gate_batch;
mod gate_builtins;
mod gate_cli;
mod gate_corpus_bounded_queue;
mod gate_corpus_counter;
mod gate_corpus_philosophers;
mod gate_corpus_rlock;
mod gate_corpus_thread_pool;
mod gate_determinism;
mod gate_hostile;
mod gate_sandbox;
mod gate_sanitise;
mod gate_shard;
mod gate_support;
mod gevent;
mod greenlet;
mod lean_engine;
mod library;
mod litmus;
mod locks;
mod mpsc;
mod once;
mod pictures;
mod processes;
mod queue;
mod queue_reference;
mod replay_fuzz;
mod replay_line;
mod rwlock;
mod schema;
mod signals;
mod std_threads;
mod thread_api;
mod threads;
mod trace_ids;
mod trace_order;
