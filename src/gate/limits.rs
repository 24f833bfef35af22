//! The limits a submission's child process runs under, set between `fork` and `exec` so that
//! they hold before any of its code runs; how a child stopped by one is described; and the
//! allocator that says when the memory limit stopped an allocation.
//!
//! Honest children are small: every exercise's reference, under shuttle and under loom, peaks at
//! about 6 MiB resident and 138 MiB of address space (measured with `/proc/PID/status`'s `VmHWM`
//! and `VmPeak`); most of the address space is glibc's reservations (64 MiB per malloc arena, see
//! [`MALLOC_ARENAS`]). The limits are a few times that, so that only runaway code reaches them.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::OnceLock;
use std::time::Duration;

/// The child's address space (`RLIMIT_AS`): 3.7 times the largest honest peak (138 MiB), 85 times
/// what an honest child has resident.
pub const MEMORY_LIMIT_BYTES: u64 = 512 << 20;

/// glibc's malloc arenas in the child (`MALLOC_ARENA_MAX`): each reserves 64 MiB of address
/// space, and without a bound their number grows with the contention between the child's
/// threads (209 to 276 MiB of address space measured), so the honest peak would depend on the
/// machine's timing; two cost no measurable time.
pub const MALLOC_ARENAS: &str = "2";

/// Descriptors the child may hold open (`RLIMIT_NOFILE`): an honest child holds seven.
pub const OPEN_FILES: u64 = 32;

/// Tasks (processes and threads) the child may start beyond what its user runs already
/// (`RLIMIT_NPROC` counts every task of the user): the child itself needs four (its main thread,
/// the search's two jobs and the stuck-execution watchdog), the supervisor two reader threads;
/// the rest is room for what other programs of the same user start meanwhile. The user's tasks
/// are counted in `/proc` as each child starts (a few milliseconds). The kernel does not apply
/// the limit to root.
pub const TASK_MARGIN: u64 = 128;

/// The most threads one execution may start in the child: a thread started in a loop is then a
/// violation with the loop in its timeline, before the model checker runs out of memory.
pub const THREADS_PER_EXECUTION: usize = 64;

/// How long one execution may run before the child calls it stuck: an honest execution takes
/// milliseconds, so one that runs this long is looping without a scheduling point.
pub const STUCK_LIMIT: Duration = Duration::from_secs(20);

/// How long the build of one submission may take: the first build compiles the library (one to
/// two minutes on 2 cores); a submission's own crate takes seconds.
pub const BUILD_LIMIT: Duration = Duration::from_secs(600);

/// The address space of each process of a build (cargo, rustc, the linker; `RLIMIT_AS`): a
/// cold build of the library under it was measured to pass (122 s on 2 cores), and a macro
/// that doubles its tokens at every step stops here instead of taking the machine's memory.
pub const BUILD_MEMORY_LIMIT_BYTES: u64 = 4 << 30;

/// Sets the build's limits on the calling process (cargo, before `exec`; the compiler inherits
/// them): its memory, and no core dumps. Async-signal-safe, as [`Limits::apply`].
pub fn apply_build_limits() -> std::io::Result<()> {
    limit(
        libc::RLIMIT_AS,
        BUILD_MEMORY_LIMIT_BYTES,
        BUILD_MEMORY_LIMIT_BYTES,
    )?;
    limit(libc::RLIMIT_CORE, 0, 0)
}

/// The build's group leader (a shell that runs cargo and kills its whole group on SIGTERM) gets
/// SIGTERM when the supervisor `parent` dies, however it dies (SIGKILL included): no cargo or
/// rustc of a build outlives the grader. Only async-signal-safe calls.
#[cfg(target_os = "linux")]
pub fn build_dies_with_parent(parent: libc::pid_t) -> std::io::Result<()> {
    // SAFETY: prctl with integer arguments; getppid cannot fail.
    unsafe {
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::getppid() != parent {
            return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn build_dies_with_parent(_parent: libc::pid_t) -> std::io::Result<()> {
    Ok(())
}

/// The limits applied to one child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `RLIMIT_CPU`, soft (`SIGXCPU`) and hard (`SIGKILL`), in seconds.
    pub cpu_seconds: (u64, u64),
    /// `RLIMIT_NPROC`; `None` where the user's tasks cannot be counted (no `/proc`).
    pub tasks: Option<u64>,
    /// The supervisor's process id: the child leaves at once if its parent is already another.
    pub parent: libc::pid_t,
}

impl Limits {
    /// The limits for a child given `wall` of wall-clock time; counts the user's tasks now.
    pub fn for_child(wall: Duration) -> Limits {
        // SAFETY: getuid and getpid cannot fail and touch no memory.
        let (uid, parent) = unsafe { (libc::getuid(), libc::getpid()) };
        Limits {
            cpu_seconds: cpu_seconds(wall),
            tasks: user_tasks(uid).map(|tasks| tasks + TASK_MARGIN),
            parent,
        }
    }

    /// Sets every limit on the calling process. Runs in the forked child before `exec`, so it
    /// makes only async-signal-safe calls (no allocation, no lock).
    pub fn apply(&self) -> std::io::Result<()> {
        let (cpu_soft, cpu_hard) = self.cpu_seconds;
        limit(libc::RLIMIT_AS, MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES)?;
        limit(libc::RLIMIT_CPU, cpu_soft, cpu_hard)?;
        limit(libc::RLIMIT_FSIZE, 0, 0)?;
        limit(libc::RLIMIT_NOFILE, OPEN_FILES, OPEN_FILES)?;
        limit(libc::RLIMIT_CORE, 0, 0)?;
        if let Some(tasks) = self.tasks {
            limit(libc::RLIMIT_NPROC, tasks, tasks)?;
        }
        same_addresses_every_run();
        die_with_parent(self.parent)
    }
}

/// Turns address-space randomisation off for the child (`personality(ADDR_NO_RANDOMIZE)`), so
/// the same binary runs at the same addresses every time: a submission that makes its behaviour
/// depend on an address (a function pointer cast to a number) gets one verdict, not a new one
/// per run. Where the machine refuses it (a container's seccomp filter), the run goes on
/// randomised, as before.
fn same_addresses_every_run() {
    const QUERY: libc::c_ulong = 0xffff_ffff;
    // SAFETY: personality(2) only reads and sets the calling process's execution domain flags;
    // it is async-signal-safe and touches no memory.
    unsafe {
        let current = libc::personality(QUERY);
        if current >= 0 {
            libc::personality(current as libc::c_ulong | libc::ADDR_NO_RANDOMIZE as libc::c_ulong);
        }
    }
}

/// `RLIMIT_CPU` for a child given `wall`: the search runs two threads, so a busy child spends
/// up to twice its wall-clock time in CPU time; the soft limit is that and 10 s more (the
/// wall-clock kill comes first, this is its backstop), the hard limit 5 s after it.
pub fn cpu_seconds(wall: Duration) -> (u64, u64) {
    let wall = wall
        .as_secs()
        .saturating_add(u64::from(wall.subsec_nanos() > 0));
    let soft = wall.saturating_mul(2).saturating_add(10);
    (soft, soft.saturating_add(5))
}

/// Lowers `resource` to `soft`/`hard`, never above the hard limit the process has already (only
/// a privileged process may raise it).
fn limit(resource: Resource, soft: u64, hard: u64) -> std::io::Result<()> {
    let mut current = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(resource, &mut current) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let hard = (hard as libc::rlim_t).min(current.rlim_max);
        let wanted = libc::rlimit {
            rlim_cur: (soft as libc::rlim_t).min(hard),
            rlim_max: hard,
        };
        if libc::setrlimit(resource, &wanted) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
type Resource = libc::__rlimit_resource_t;
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
type Resource = libc::c_int;

/// The child is killed when the supervisor dies (strictly: when the supervisor's thread that
/// started it ends; `run_child` waits for the child on that thread), and can never gain
/// privileges (a set-user-id program it starts runs as the child's user).
#[cfg(target_os = "linux")]
fn die_with_parent(parent: libc::pid_t) -> std::io::Result<()> {
    // SAFETY: prctl with integer arguments; getppid cannot fail.
    unsafe {
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) != 0
            || libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1 as libc::c_ulong, 0, 0, 0) != 0
        {
            return Err(std::io::Error::last_os_error());
        }
        // The supervisor died between fork and prctl: nobody would ever kill this child.
        if libc::getppid() != parent {
            return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_parent: libc::pid_t) -> std::io::Result<()> {
    Ok(())
}

/// Tasks (threads of every process) whose real user is `uid`, as `RLIMIT_NPROC` counts them;
/// `None` without a readable `/proc`.
pub fn user_tasks(uid: libc::uid_t) -> Option<u64> {
    let mut tasks = 0;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit())
        {
            continue;
        }
        // A process that ended since the listing is simply not counted.
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|value| value.parse::<u64>().ok())
        };
        if field("Uid:") == Some(u64::from(uid)) {
            tasks += field("Threads:").unwrap_or(1);
        }
    }
    (tasks > 0).then_some(tasks)
}

/// How a signal ended a child, to complete "the submission's process ... before reporting".
pub fn signal_ending(signal: i32, limits: &Limits) -> String {
    let (cpu_soft, _) = limits.cpu_seconds;
    match signal {
        libc::SIGXCPU => {
            format!("was stopped by the CPU-time limit ({cpu_soft} s of CPU time, SIGXCPU)")
        }
        libc::SIGXFSZ => "was stopped by the file-size limit (SIGXFSZ: it wrote to a file, \
                          and a submission may write none)"
            .to_owned(),
        libc::SIGKILL => "was killed (SIGKILL: the CPU-time limit's hard stop, the system's \
                          out-of-memory killer, or someone outside the gate)"
            .to_owned(),
        libc::SIGSEGV => "crashed (SIGSEGV: a bad memory access, or a stack overflow: \
                          recursion too deep or endless?)"
            .to_owned(),
        libc::SIGABRT => "aborted (SIGABRT: a stack overflow, a panic while panicking, \
                          or a failed allocation)"
            .to_owned(),
        libc::SIGBUS => "crashed (SIGBUS: a bad memory access)".to_owned(),
        libc::SIGILL => "crashed (SIGILL: an illegal instruction)".to_owned(),
        libc::SIGFPE => "crashed (SIGFPE: an arithmetic fault)".to_owned(),
        libc::SIGTRAP => "crashed (SIGTRAP: a trap instruction)".to_owned(),
        libc::SIGPIPE => "was killed by SIGPIPE (it wrote to a closed pipe)".to_owned(),
        libc::SIGTERM | libc::SIGINT | libc::SIGHUP | libc::SIGQUIT => {
            format!("was stopped by signal {signal} from outside the gate")
        }
        _ => format!("was killed by signal {signal}"),
    }
}

/// Where a failed allocation is reported: the child's results channel and its key, set once
/// before the submission's code runs.
struct AllocationReport {
    fd: libc::c_int,
    key: [u8; MAX_KEY],
    key_len: usize,
}

const MAX_KEY: usize = 64;

static ALLOCATION_REPORT: OnceLock<AllocationReport> = OnceLock::new();

/// From now on, an allocation the memory limit refuses is reported on `fd` (a line starting
/// with `key`) before the process aborts. Set once; a key longer than 64 bytes is cut.
pub fn report_allocation_failures_to(fd: libc::c_int, key: &str) {
    let key_len = key.len().min(MAX_KEY);
    let mut report = AllocationReport {
        fd,
        key: [0; MAX_KEY],
        key_len,
    };
    report.key[..key_len].copy_from_slice(&key.as_bytes()[..key_len]);
    let _ = ALLOCATION_REPORT.set(report);
}

/// The line that reports a refused allocation of `bytes`: `KEY {"kind":"out-of-memory",...}`,
/// as [`super::child::Message::OutOfMemory`] serializes, written into `buffer` without
/// allocating; returns its length.
fn out_of_memory_line(key: &[u8], bytes: usize, buffer: &mut [u8; 160]) -> usize {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = bytes;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let parts: [&[u8]; 5] = [
        key,
        if key.is_empty() { b"" } else { b" " },
        br#"{"kind":"out-of-memory","bytes":"#,
        &digits[start..],
        b"}\n",
    ];
    let mut length = 0;
    for part in parts {
        buffer[length..length + part.len()].copy_from_slice(part);
        length += part.len();
    }
    length
}

fn report_failed_allocation(bytes: usize) {
    if let Some(report) = ALLOCATION_REPORT.get() {
        let mut buffer = [0u8; 160];
        let length = out_of_memory_line(&report.key[..report.key_len], bytes, &mut buffer);
        // SAFETY: writes bytes from a live buffer; a failure leaves nothing to do.
        unsafe {
            libc::write(report.fd, buffer.as_ptr().cast(), length);
        }
    }
}

/// The system allocator, reporting every allocation it refuses (the memory limit reached) on
/// the channel [`report_allocation_failures_to`] set, if any. Rust then aborts the process
/// (SIGABRT), and the supervisor, having the report, says the memory limit stopped it. The
/// harness's `main.rs` and the `interleave` binary install it as their `#[global_allocator]`.
pub struct GateAllocator;

// SAFETY: every call is passed to `System` unchanged; only a null result is reported.
unsafe impl GlobalAlloc for GateAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees, passed on.
        let pointer = unsafe { System.alloc(layout) };
        if pointer.is_null() {
            report_failed_allocation(layout.size());
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees, passed on.
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if pointer.is_null() {
            report_failed_allocation(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: the caller's guarantees, passed on.
        unsafe { System.dealloc(pointer, layout) }
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's guarantees, passed on.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if moved.is_null() {
            report_failed_allocation(new_size);
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::child::Message;

    #[test]
    fn the_cpu_limit_is_twice_the_wall_clock_and_ten_seconds_then_five_more() {
        assert_eq!(cpu_seconds(Duration::from_secs(300)), (610, 615));
        assert_eq!(cpu_seconds(Duration::from_millis(1500)), (14, 19));
        assert_eq!(cpu_seconds(Duration::MAX), (u64::MAX, u64::MAX));
    }

    #[test]
    fn the_out_of_memory_line_is_the_message_after_the_key() {
        let mut buffer = [0u8; 160];
        let key = [b'f'; MAX_KEY];
        let length = out_of_memory_line(&key, usize::MAX, &mut buffer);
        let line = std::str::from_utf8(&buffer[..length]).unwrap();
        let json = line
            .strip_prefix(&format!("{} ", "f".repeat(MAX_KEY)))
            .unwrap();
        assert_eq!(
            serde_json::from_str::<Message>(json.trim_end()).unwrap(),
            Message::OutOfMemory {
                bytes: usize::MAX as u64
            }
        );
        let length = out_of_memory_line(b"", 0, &mut buffer);
        assert_eq!(
            &buffer[..length],
            b"{\"kind\":\"out-of-memory\",\"bytes\":0}\n"
        );
    }

    #[test]
    fn a_refused_allocation_is_null_not_a_crash() {
        let layout = Layout::from_size_align(isize::MAX as usize - 4096, 8).unwrap();
        // SAFETY: a non-zero size; the result is only compared with null.
        let pointer = unsafe { GateAllocator.alloc(layout) };
        assert!(pointer.is_null());
    }

    #[test]
    fn this_process_counts_among_its_users_tasks() {
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() };
        let tasks = user_tasks(uid).expect("a /proc to count in");
        assert!(tasks >= 2, "the test runner has threads: {tasks}");
    }
}
