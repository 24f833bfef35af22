//! The command line's `serve` and `load`, their arguments parsed by clap ([`ServeArgs`],
//! [`LoadArgs`]). Exit codes ([`ExitCode`]): 0 served and stopped cleanly / every reply right;
//! 1 the server could not run / an error or a wrong reply; 2 a usage error.

use super::load::{self, Load};
use super::server::{self, DEFAULT_MAX_CONNECTIONS};
use super::stop::Stop;
use super::{DEFAULT_ADDR, Mode, listen, loopback_addr, raise_open_file_limit};
use crate::exit::ExitCode;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use std::net::SocketAddr;
use std::time::Duration;

pub use crate::exit::Refused;

/// At most this many load clients: each is a socket (two, with an in-process server) and, in
/// `--mode threads`, a thread.
pub const MAX_CLIENTS: u64 = 10_000;
/// At most an hour of load.
pub const MAX_SECONDS: f64 = 3600.0;
/// At most this many connections served at once.
const MAX_CONNECTIONS: u64 = 1_000_000;

const SERVE_EXAMPLES: &str =
    "Loopback addresses only. Its first line is `listening on ADDR (MODE)`; it serves until
Ctrl-C or SIGTERM, then prints what it served.

Examples:
  interleave serve --mode threads
  interleave serve --mode async --addr 127.0.0.1:9000 --max-connections 5000";

const LOAD_EXAMPLES: &str =
    "Each client sends \"Thread-<n> say hello <count>\" and checks the upper-cased reply; the
report has requests/s, latency p50/p99/p99.9/max, connect p99, errors and wrong replies.
Exit 1 on any error or wrong reply.

Examples:
  interleave load --clients 500
  interleave load --clients 500 --duration 10 --mode async --addr 127.0.0.1:9000";

/// `interleave serve`: the tutorial's upper-case echo server on real TCP.
#[derive(clap::Args, Debug)]
#[command(after_help = SERVE_EXAMPLES)]
pub struct ServeArgs {
    /// A thread per connection, or tokio tasks on one thread (gevent's hub)
    #[arg(long, value_name = "MODE", value_parser = mode())]
    pub mode: Mode,
    /// Where to listen (a loopback address)
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_ADDR, value_parser = addr("serve"))]
    pub addr: SocketAddr,
    /// Connections served at once; more are refused with one line
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS as u64,
          allow_hyphen_values = true, value_parser = whole("serve", "--max-connections", MAX_CONNECTIONS))]
    pub max_connections: u64,
}

/// `interleave load`: N clients against an echo server, every reply checked.
#[derive(clap::Args, Debug)]
#[command(after_help = LOAD_EXAMPLES)]
pub struct LoadArgs {
    /// How many clients
    #[arg(long, value_name = "N", allow_hyphen_values = true,
          value_parser = whole("load", "--clients", MAX_CLIENTS))]
    pub clients: u64,
    /// The server's address (a loopback address)
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_ADDR, value_parser = addr("load"))]
    pub addr: SocketAddr,
    /// How long the clients send, in seconds
    #[arg(long, value_name = "SECONDS", default_value = "3", allow_hyphen_values = true, value_parser = seconds)]
    pub duration: Duration,
    /// A thread per client, or tokio tasks on one thread
    #[arg(long, value_name = "MODE", default_value = "threads", value_parser = mode())]
    pub mode: Mode,
}

fn mode() -> impl TypedValueParser<Value = Mode> {
    PossibleValuesParser::new(Mode::ALL.map(Mode::name)).try_map(|text| {
        Mode::parse(&text).ok_or_else(|| format!("--mode takes threads or async, not {text:?}"))
    })
}

fn addr(command: &'static str) -> impl Fn(&str) -> Result<SocketAddr, String> + Clone {
    move |text| loopback_addr(text).map_err(|message| format!("{command}: --addr: {message}"))
}

fn whole(
    command: &'static str,
    flag: &'static str,
    max: u64,
) -> impl Fn(&str) -> Result<u64, String> + Clone {
    move |text| match text.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{command}: {flag} takes a whole number in 1..={max}, not {text:?}"
        )),
    }
}

fn seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text.parse().unwrap_or(f64::NAN);
    if seconds > 0.0 && seconds <= MAX_SECONDS {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(format!(
            "load: --duration takes seconds in (0, {MAX_SECONDS}], not {text:?}"
        ))
    }
}

/// `serve`: prints its address, serves until SIGINT or SIGTERM, prints what it served.
pub fn serve(args: &ServeArgs, say: &dyn Fn(&str)) -> Result<ExitCode, Refused> {
    let failed = |message: String| Refused(message, ExitCode::Violated);
    let mode = args.mode;
    let max_connections = args.max_connections as usize;
    raise_open_file_limit();
    let listener = listen(args.addr)
        .map_err(|error| failed(format!("serve: cannot listen on {}: {error}", args.addr)))?;
    let bound = listener
        .local_addr()
        .map_err(|error| failed(format!("serve: {error}")))?;
    let stop = Stop::new().map_err(|error| failed(format!("serve: {error}")))?;
    let stats = stop.on_signals(|| {
        say(&format!("listening on {bound} ({})\n", mode.name()));
        server::run(mode, listener, max_connections, &stop)
    });
    let stats = stats.map_err(|error| failed(format!("serve: the server failed: {error}")))?;
    say(&format!(
        "stopped: {} connections served, {} refused over the cap of {max_connections}\n",
        stats.accepted, stats.refused
    ));
    Ok(ExitCode::Ok)
}

/// `load`: runs the clients, prints the report; 1 if anything went wrong.
pub fn load(args: &LoadArgs, say: &dyn Fn(&str)) -> Result<ExitCode, Refused> {
    let load = Load {
        addr: args.addr,
        clients: args.clients as usize,
        duration: args.duration,
        mode: args.mode,
    };
    let report =
        load::run(&load).map_err(|error| Refused(format!("load: {error}"), ExitCode::Violated))?;
    say(&report.text(&load));
    Ok(if report.ok() {
        ExitCode::Ok
    } else {
        ExitCode::Violated
    })
}
