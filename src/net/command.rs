//! The command line's `serve` and `load`. Exit codes: 0 served and stopped cleanly / every reply
//! right; 1 the server could not run / an error or a wrong reply; 2 a usage error.

use super::load::{self, Load};
use super::server::{self, DEFAULT_MAX_CONNECTIONS};
use super::stop::Stop;
use super::{DEFAULT_ADDR, Mode, listen, loopback_addr, raise_open_file_limit};
use std::net::SocketAddr;
use std::time::Duration;

pub const USAGE: &str = "the echo servers (tutorial 3.3.3 and gevent; loopback addresses only):
  interleave serve --mode threads|async [--addr 127.0.0.1:8080] [--max-connections 1000]
        upper-case echo until Ctrl-C or SIGTERM; prints `listening on ADDR (MODE)` first
  interleave load --clients N [--addr 127.0.0.1:8080] [--duration 3] [--mode threads|async]
        N clients send \"Thread-<n> say hello <count>\" for that many seconds; exit 1 on any
        error or wrong reply";

pub use crate::util::Refused;
use crate::util::usage;

/// At most this many load clients: each is a socket (two, with an in-process server) and, in
/// `--mode threads`, a thread.
pub const MAX_CLIENTS: u64 = 10_000;
/// At most an hour of load.
pub const MAX_SECONDS: f64 = 3600.0;
const DEFAULT_SECONDS: f64 = 3.0;

/// `--flag value` pairs, checked against the flags `command` takes.
fn flags<'a>(
    command: &str,
    words: &[&'a str],
    known: &[&str],
) -> Result<Vec<(&'a str, &'a str)>, Refused> {
    let mut pairs = Vec::new();
    let mut words = words.iter().copied();
    while let Some(word) = words.next() {
        if !known.contains(&word) {
            return Err(usage(format!(
                "{command}: unknown argument {word:?}; it takes {}",
                known.join(", ")
            )));
        }
        let value = words
            .next()
            .ok_or_else(|| usage(format!("{command}: {word} needs a value")))?;
        pairs.push((word, value));
    }
    Ok(pairs)
}

fn mode(command: &str, text: &str) -> Result<Mode, Refused> {
    Mode::parse(text).ok_or_else(|| {
        usage(format!(
            "{command}: --mode takes threads or async, not {text:?}"
        ))
    })
}

fn addr(command: &str, text: &str) -> Result<SocketAddr, Refused> {
    loopback_addr(text).map_err(|message| usage(format!("{command}: --addr: {message}")))
}

fn whole_number(command: &str, flag: &str, text: &str, max: u64) -> Result<u64, Refused> {
    match text.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(usage(format!(
            "{command}: {flag} takes a whole number in 1..={max}, not {text:?}"
        ))),
    }
}

/// `serve`: prints its address, serves until SIGINT or SIGTERM, prints what it served.
pub fn serve(words: &[&str], say: &dyn Fn(&str)) -> Result<i32, Refused> {
    let mut chosen_mode = None;
    let mut chosen_addr = addr("serve", DEFAULT_ADDR)?;
    let mut max_connections = DEFAULT_MAX_CONNECTIONS;
    for (flag, value) in flags("serve", words, &["--mode", "--addr", "--max-connections"])? {
        match flag {
            "--mode" => chosen_mode = Some(mode("serve", value)?),
            "--addr" => chosen_addr = addr("serve", value)?,
            _ => {
                max_connections = whole_number("serve", flag, value, 1_000_000)? as usize;
            }
        }
    }
    let mode = chosen_mode.ok_or_else(|| usage("serve needs --mode threads or --mode async"))?;
    raise_open_file_limit();
    let listener = listen(chosen_addr)
        .map_err(|error| Refused(format!("serve: cannot listen on {chosen_addr}: {error}"), 1))?;
    let bound = listener
        .local_addr()
        .map_err(|error| Refused(format!("serve: {error}"), 1))?;
    let stop = Stop::new().map_err(|error| Refused(format!("serve: {error}"), 1))?;
    let stats = stop.on_signals(|| {
        say(&format!("listening on {bound} ({})\n", mode.name()));
        server::run(mode, listener, max_connections, &stop)
    });
    let stats = stats.map_err(|error| Refused(format!("serve: the server failed: {error}"), 1))?;
    say(&format!(
        "stopped: {} connections served, {} refused over the cap of {max_connections}\n",
        stats.accepted, stats.refused
    ));
    Ok(0)
}

/// `load`: runs the clients, prints the report; 1 if anything went wrong.
pub fn load(words: &[&str], say: &dyn Fn(&str)) -> Result<i32, Refused> {
    let mut clients = None;
    let mut load = Load {
        addr: addr("load", DEFAULT_ADDR)?,
        clients: 0,
        duration: Duration::from_secs_f64(DEFAULT_SECONDS),
        mode: Mode::Threads,
    };
    for (flag, value) in flags(
        "load",
        words,
        &["--clients", "--addr", "--duration", "--mode"],
    )? {
        match flag {
            "--clients" => clients = Some(whole_number("load", flag, value, MAX_CLIENTS)?),
            "--addr" => load.addr = addr("load", value)?,
            "--mode" => load.mode = mode("load", value)?,
            _ => {
                let seconds: f64 = value.parse().unwrap_or(f64::NAN);
                if !(seconds > 0.0 && seconds <= MAX_SECONDS) {
                    return Err(usage(format!(
                        "load: --duration takes seconds in (0, {MAX_SECONDS}], not {value:?}"
                    )));
                }
                load.duration = Duration::from_secs_f64(seconds);
            }
        }
    }
    load.clients = clients.ok_or_else(|| usage("load needs --clients N"))? as usize;
    let report = load::run(&load).map_err(|error| Refused(format!("load: {error}"), 1))?;
    say(&report.text(&load));
    Ok(i32::from(!report.ok()))
}
