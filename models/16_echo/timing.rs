//! # `time echo`: a thread per connection or one hub, under the tutorial's 500 clients
//!
//! Both real servers ([`crate::net`]) run in this process on free loopback ports, and each is
//! driven by the tutorial's 500 clients twice: a thread per client, then 500 tokio tasks on one
//! thread. A client sends `"Thread-<n> say hello <count>"`, waits for the whole upper-cased
//! reply, checks it, and sends the next, for [`SECONDS_PER_ROW`]. The time column is the p99 of
//! a round trip, and the ratio compares it with the first row's; each note gives requests/s
//! (and its ratio to the first row's), p50, p99.9, the maximum, connect p99, and how many
//! connections the kernel dropped because a listen queue was full during the row (`TcpExt:
//! ListenOverflows`, for the whole network namespace; "unreadable" without `/proc`).
//!
//! What the numbers mean:
//!
//! - **Thread per connection** puts every message through the kernel's scheduler: a blocking
//!   `read` wakes its thread, and with 500 handlers (and, in the threads rows, 500 clients) on a
//!   few cores, each round trip is two thread switches. Throughput is high: handlers run on
//!   every core at once, and the kernel switches threads quickly. The tail is the cost: the one
//!   accept loop is a thread among a thousand runnable ones, so a client that has connected
//!   (the kernel completes the handshake before `accept`) may wait hundreds of milliseconds for
//!   its first reply, and its handler competes with 499 others for a core. p99.9 and the
//!   maximum are where it shows.
//! - **One hub** (tokio's current-thread runtime, gevent's model) serves every connection from
//!   one thread: a message is a task poll, not a thread switch, and tasks take turns in order,
//!   so the tail stays close to the median (tens of milliseconds at most). It uses one core:
//!   its throughput is bounded by what one thread can do, whatever the machine has.
//! - The listen backlog (1024 here, std's default is 128) is why the overflow column stays at 0:
//!   with 128, 500 clients connecting at once overflow it and the dropped handshakes are
//!   retried after a second, which shows as a connect p99 of about a second.
//!
//! Both sides share the machine's cores, so a row measures the pair, not the server alone.
//! Measured while writing this (release build, 2 shared cores, 3 s per pair with `serve` and
//! `load`): threads/threads 102,244 req/s, p99 2.6 ms, p99.9 and max 3.0 s (clients whose
//! first request waited the whole run for `accept`); threads server/async clients 73,829
//! req/s, p99 30 ms, max 80 ms; async server/threads clients 72,624 req/s, p99 10 ms, max
//! 43 ms; async/async 60,726 req/s, p99 18 ms, max 25 ms; no listen overflow, no error, no
//! wrong reply. For scale: tokio-core's issue #122 (1000 clients) measured 462,805 requests/s
//! for a thread per connection and 678,832 for a multi-threaded event loop.

use crate::lesson::{Ratios, Timing, TimingRow};
use crate::net::load::{self, Load};
use crate::net::server::{DEFAULT_MAX_CONNECTIONS, Server};
use crate::net::{Mode, listen_overflows};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// The tutorial's client count.
pub const CLIENTS: usize = 500;
/// Each row's load: four rows and their setup fit in about six seconds.
pub const SECONDS_PER_ROW: f64 = 1.0;

/// `time echo`: both servers, each driven by both kinds of client.
pub fn timing() -> Timing {
    measure(CLIENTS, Duration::from_secs_f64(SECONDS_PER_ROW))
}

/// The table for `clients` clients, each row loading for `duration`.
pub fn measure(clients: usize, duration: Duration) -> Timing {
    let free_port = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let mut rows = Vec::new();
    let mut first_rate = None;
    for server_mode in Mode::ALL {
        let server = Server::start(server_mode, free_port, DEFAULT_MAX_CONNECTIONS);
        for client_mode in Mode::ALL {
            let label = format!(
                "{} server, {} clients",
                server_mode.name(),
                client_mode.name()
            );
            let server = match &server {
                Ok(server) => server,
                Err(error) => {
                    rows.push(not_measured(
                        label,
                        format!("cannot start the server: {error}"),
                    ));
                    continue;
                }
            };
            let overflows_before = listen_overflows();
            let load = Load {
                addr: server.addr(),
                clients,
                duration,
                mode: client_mode,
            };
            let report = match load::run(&load) {
                Ok(report) => report,
                Err(error) => {
                    rows.push(not_measured(label, format!("cannot run the load: {error}")));
                    continue;
                }
            };
            let overflows = match (overflows_before, listen_overflows()) {
                (Some(before), Some(after)) => format!("+{}", after.saturating_sub(before)),
                _ => "unreadable".to_owned(),
            };
            let rate = report.requests_per_second();
            let first_rate = *first_rate.get_or_insert(rate);
            let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
            let mut note = format!(
                "{rate:.0} req/s ({:.2}x), p50 {}, p99.9 {}, max {}, connect p99 {}, listen overflows {overflows}",
                rate / first_rate.max(f64::MIN_POSITIVE),
                ms(report.latency.quantile(0.5)),
                ms(report.latency.quantile(0.999)),
                ms(report.latency.max()),
                ms(report.connect.quantile(0.99)),
            );
            if !report.ok() {
                note += &format!(
                    "; {} errors, {} wrong replies",
                    report.errors, report.wrong_replies
                );
            }
            rows.push(TimingRow {
                label,
                seconds: report.latency.quantile(0.99).as_secs_f64(),
                note,
            });
        }
        if let Ok(server) = server {
            let _ = server.stop();
        }
    }
    Timing {
        title: format!(
            "echo: {clients} clients against a thread per connection and against one hub (time = p99 round trip)"
        ),
        setup: format!(
            "each row {:.1} s of \"Thread-<n> say hello <count>\" round trips on 127.0.0.1, server and clients in this process on {} cores; ratio = p99 / the first row's p99",
            duration.as_secs_f64(),
            std::thread::available_parallelism().map_or(1, |n| n.get())
        ),
        rows,
        // Every row is the same work (the same clients, messages and duration) against another
        // server and client pair: each p99 compares with the first row's.
        ratios: Ratios::ToFirst,
    }
}

fn not_measured(label: String, why: String) -> TimingRow {
    TimingRow {
        label,
        seconds: 0.0,
        note: format!("not measured: {why}"),
    }
}
