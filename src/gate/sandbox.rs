//! The graded child's sandbox, where the machine allows one: new user, mount, network and PID
//! namespaces, entered between `fork` and `exec` with plain system calls (no helper program), so
//! that what the submission runs cannot reach the network, write outside a scratch directory, or
//! outlive the child by leaving its process group.
//!
//! - **Network**: a new network namespace has one interface, its loopback, and it is down:
//!   connecting to 127.0.0.1 fails (`ENETUNREACH`); abstract Unix sockets are the namespace's.
//! - **Files**: every mount is made read-only, recursively (`mount_setattr`, Linux 5.12); a fresh
//!   tmpfs on `/dev/shm` is the one writable place (the child's working directory, 16 MiB); an
//!   empty read-only tmpfs covers `/run` (a Unix socket on a read-only mount still takes
//!   connections: Docker's, D-Bus's); `/proc` is the namespace's own where the kernel allows it
//!   (else the host's, read-only).
//! - **Processes**: a PID namespace's first process is its init, and when an init ends the kernel
//!   kills every process of its namespace: `setsid` leaves a process group, never a namespace.
//!   The init is ours, not the submission's: an init ignores every signal it has no handler for
//!   (`abort`'s SIGABRT, the CPU limit's SIGXCPU), which would change how a crash reads.
//! - **Privileges**: the child's user is mapped onto itself, and it execs with no capability
//!   (`SECBIT_NOROOT`, locked, even as root), so it cannot undo a mount.
//!
//! A process's PID namespace is fixed when it is forked, so the process the gate forks (and waits
//! for) cannot be inside the one it makes. Three processes, then, the first two never exec'd:
//!
//! ```text
//! gate ── outer: in the child's process group; ends as the child ended (its code or signal)
//!           └── init: PID 1 of the new namespace; reaps, and tells outer how the child ended
//!                 └── child: PID 2; execs the harness
//! ```
//!
//! [`Sandbox::detect`] tries all of it once per grade, in a probe that stops before `exec`; what
//! cannot be had (no user namespaces, an old kernel, a container that forbids mounts) leaves the
//! grade without a sandbox, and the report says why. So does a set-up that fails at run time.

use std::ffi::CStr;
use std::io;
use std::path::Path;
use std::sync::Mutex;

/// The folders the sandbox covers with a tmpfs of its own: a program under one is not there.
const COVERED: [&str; 2] = ["/dev/shm", "/run"];

/// What a report says when every child ran in the namespaces.
pub const NAMESPACES: &str = "namespaces";
/// How a report says there was no sandbox; the reason follows.
pub const NONE_BECAUSE: &str = "none, because ";

/// `--sandbox`: where the machine allows (`auto`), or never (`off`, for debugging).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    #[default]
    Auto,
    Off,
}

/// Whether a grade's children run sandboxed, decided once per grade; a set-up that fails for one
/// child turns it off for the rest of the grade (and the report says so).
#[derive(Debug)]
pub struct Sandbox {
    state: Mutex<Result<Confinement, String>>,
}

impl Sandbox {
    /// Tries the whole set-up once (a probe that stops before `exec`): a sandbox if it held, else
    /// none, with why.
    pub fn detect(mode: Mode) -> Sandbox {
        let state = match mode {
            Mode::Off => Err("it was turned off (--sandbox off)".to_owned()),
            Mode::Auto => Confinement::for_this_user().and_then(|c| c.probe().map(|()| c)),
        };
        Sandbox {
            state: Mutex::new(state),
        }
    }

    /// No sandbox, because `why`.
    pub fn none(why: impl Into<String>) -> Sandbox {
        Sandbox {
            state: Mutex::new(Err(why.into())),
        }
    }

    /// What a report says: [`NAMESPACES`], or [`NONE_BECAUSE`] and why.
    pub fn describe(&self) -> String {
        match &*crate::util::lock_unpoisoned(&self.state) {
            Ok(_) => NAMESPACES.to_owned(),
            Err(why) => format!("{NONE_BECAUSE}{why}"),
        }
    }

    /// What a child's `pre_exec` enters, if the grade is sandboxed.
    pub(crate) fn confinement(&self) -> Option<Confinement> {
        crate::util::lock_unpoisoned(&self.state)
            .as_ref()
            .ok()
            .cloned()
    }

    /// What the child that runs `program` enters, if the grade is sandboxed: none for a program
    /// under a folder the sandbox covers (it would not be found there), and none for the rest
    /// of the grade, which the report says.
    pub(crate) fn confinement_for(&self, program: &Path) -> Option<Confinement> {
        let confinement = self.confinement()?;
        let real = std::fs::canonicalize(program).unwrap_or_else(|_| program.to_owned());
        match COVERED.iter().find(|folder| real.starts_with(folder)) {
            Some(folder) => {
                self.fall_back(format!(
                    "the program it runs, {}, is under {folder}, which it covers",
                    real.display()
                ));
                None
            }
            None => Some(confinement),
        }
    }

    /// The set-up failed for a child (`why`): no sandbox for the rest of the grade.
    pub(crate) fn fall_back(&self, why: String) {
        *crate::util::lock_unpoisoned(&self.state) = Err(why);
    }
}

/// Each step of the set-up, numbered into the error a failed one returns (see [`failure`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Unshare = 1,
    Maps,
    Private,
    ReadOnly,
    Scratch,
    HideRun,
    Pipe,
    Fork,
    Privileges,
    WorkingDirectory,
}

const STEPS: [Step; 10] = [
    Step::Unshare,
    Step::Maps,
    Step::Private,
    Step::ReadOnly,
    Step::Scratch,
    Step::HideRun,
    Step::Pipe,
    Step::Fork,
    Step::Privileges,
    Step::WorkingDirectory,
];

impl Step {
    fn what(self) -> &'static str {
        match self {
            Step::Unshare => "this system does not let it make namespaces (unshare)",
            Step::Maps => "it cannot map the user into its user namespace (uid_map)",
            Step::Private => "it cannot make its mounts private (mount)",
            Step::ReadOnly => {
                "it cannot make the file system read-only (mount_setattr, Linux 5.12 and later)"
            }
            Step::Scratch => "it cannot mount a scratch directory on /dev/shm (tmpfs)",
            Step::HideRun => "it cannot cover /run (tmpfs)",
            Step::Pipe => "it cannot make the init's pipe",
            Step::Fork => "it cannot start the namespace's init or the child (fork)",
            Step::Privileges => "it cannot take the child's capabilities (SECBIT_NOROOT)",
            Step::WorkingDirectory => "it cannot enter the scratch directory (chdir)",
        }
    }
}

/// Above every `errno` (the kernel's are below 4096).
const STEP_BASE: i32 = 1 << 12;

/// The error a failed step returns from `pre_exec`: the step and `errno` in one number, which
/// `std` carries to the parent as the spawn's error. Allocates nothing.
fn failure(step: Step) -> io::Error {
    let errno = io::Error::last_os_error().raw_os_error().unwrap_or(0);
    io::Error::from_raw_os_error(step as i32 * STEP_BASE + errno.clamp(0, STEP_BASE - 1))
}

/// Why the sandbox could not be set up, if `error` (from a spawn) is a failed step's.
pub(crate) fn setup_failure(error: &io::Error) -> Option<String> {
    let code = error.raw_os_error()?;
    let step = STEPS
        .into_iter()
        .find(|step| code / STEP_BASE == *step as i32)?;
    let cause = io::Error::from_raw_os_error(code % STEP_BASE);
    Some(format!("{}: {cause}", step.what()))
}

/// What a child's `pre_exec` needs, made before `fork` (nothing is allocated after it): the
/// user's and group's one-line maps, each onto itself.
#[derive(Clone, Debug)]
pub(crate) struct Confinement {
    uid_map: String,
    gid_map: String,
}

/// `struct mount_attr` (linux/mount.h), for `mount_setattr`.
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

const MOUNT_ATTR_RDONLY: u64 = 0x1;

/// The records the init sends outer: ready (the child is forked), failed (a step's error), the
/// child's end (its wait status).
const READY: i32 = 1;
const FAILED: i32 = 2;
const ENDED: i32 = 3;

impl Confinement {
    #[cfg(target_os = "linux")]
    fn for_this_user() -> Result<Confinement, String> {
        // SAFETY: getuid and getgid cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        Ok(Confinement {
            uid_map: format!("{uid} {uid} 1\n"),
            gid_map: format!("{gid} {gid} 1\n"),
        })
    }

    #[cfg(not(target_os = "linux"))]
    fn for_this_user() -> Result<Confinement, String> {
        Err("namespaces are Linux's".to_owned())
    }

    /// The whole set-up in a child that stops before `exec`.
    fn probe(&self) -> Result<(), String> {
        use std::os::unix::process::CommandExt;
        let mut command = std::process::Command::new("/");
        command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let confinement = self.clone();
        // SAFETY: `enter` makes only async-signal-safe calls and allocates nothing.
        unsafe {
            command.pre_exec(move || confinement.enter(true));
        }
        match command.status() {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(format!("its probe ended with {status}")),
            Err(e) => Err(setup_failure(&e).unwrap_or_else(|| format!("its probe failed: {e}"))),
        }
    }

    /// Enters the sandbox, in the forked child before `exec`: returns (in the namespaces' child,
    /// which then execs) or fails with a [`failure`]; the two other processes never return. A
    /// `probe` child ends instead of returning. Async-signal-safe: system calls on memory made
    /// before the fork, no allocation, no lock.
    #[cfg(target_os = "linux")]
    pub(crate) fn enter(&self, probe: bool) -> io::Result<()> {
        // SAFETY: system calls on live buffers and C strings; the forks run only this code.
        unsafe {
            let namespaces =
                libc::CLONE_NEWUSER | libc::CLONE_NEWNS | libc::CLONE_NEWNET | libc::CLONE_NEWPID;
            check(libc::unshare(namespaces), Step::Unshare)?;
            // Without user namespaces' `setgroups` file (before Linux 3.19) there is none to deny.
            if write_file(c"/proc/self/setgroups", b"deny") != 0
                && io::Error::last_os_error().raw_os_error() != Some(libc::ENOENT)
            {
                return Err(failure(Step::Maps));
            }
            check(
                write_file(c"/proc/self/uid_map", self.uid_map.as_bytes()),
                Step::Maps,
            )?;
            check(
                write_file(c"/proc/self/gid_map", self.gid_map.as_bytes()),
                Step::Maps,
            )?;
            check(
                mount(None, c"/", None, libc::MS_REC | libc::MS_PRIVATE, None),
                Step::Private,
            )?;
            let read_only = MountAttr {
                attr_set: MOUNT_ATTR_RDONLY,
                attr_clr: 0,
                propagation: 0,
                userns_fd: 0,
            };
            let set = libc::syscall(
                libc::SYS_mount_setattr,
                libc::AT_FDCWD,
                c"/".as_ptr(),
                libc::AT_RECURSIVE as libc::c_uint,
                &read_only as *const MountAttr,
                size_of::<MountAttr>(),
            );
            check(set as libc::c_int, Step::ReadOnly)?;
            let hidden = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
            check(
                mount(
                    Some(c"tmpfs"),
                    c"/dev/shm",
                    Some(c"tmpfs"),
                    hidden,
                    Some(c"size=16m,nr_inodes=4096,mode=1777"),
                ),
                Step::Scratch,
            )?;
            if mount(
                Some(c"tmpfs"),
                c"/run",
                Some(c"tmpfs"),
                hidden | libc::MS_RDONLY,
                Some(c"size=4k,nr_inodes=16,mode=755"),
            ) != 0
                && io::Error::last_os_error().raw_os_error() != Some(libc::ENOENT)
            {
                return Err(failure(Step::HideRun));
            }
            let mut pipe = [0; 2];
            check(libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC), Step::Pipe)?;
            let [from_init, to_outer] = pipe;
            match libc::fork() {
                -1 => Err(failure(Step::Fork)),
                0 => {
                    libc::close(from_init);
                    init(to_outer, probe)
                }
                init => {
                    libc::close(to_outer);
                    outer(init, from_init)
                }
            }
        }
    }

    #[cfg(not(target_os = "linux"))]
    pub(crate) fn enter(&self, _probe: bool) -> io::Result<()> {
        Err(io::Error::from_raw_os_error(
            Step::Unshare as i32 * STEP_BASE,
        ))
    }
}

/// `result` as the step's failure when it is -1.
fn check(result: libc::c_int, step: Step) -> io::Result<()> {
    if result == -1 {
        Err(failure(step))
    } else {
        Ok(())
    }
}

/// Writes `bytes` to the file at `path` in one `write`: 0, or -1 with `errno` set.
unsafe fn write_file(path: &CStr, bytes: &[u8]) -> libc::c_int {
    // SAFETY: a C string and a live buffer.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return -1;
        }
        let written = libc::write(fd, bytes.as_ptr().cast(), bytes.len());
        libc::close(fd);
        if written == bytes.len() as isize {
            0
        } else {
            -1
        }
    }
}

unsafe fn mount(
    source: Option<&CStr>,
    target: &CStr,
    kind: Option<&CStr>,
    flags: libc::c_ulong,
    data: Option<&CStr>,
) -> libc::c_int {
    let pointer = |text: Option<&CStr>| text.map_or(std::ptr::null(), CStr::as_ptr);
    // SAFETY: C strings or null, as mount(2) takes them.
    unsafe {
        libc::mount(
            pointer(source),
            target.as_ptr(),
            pointer(kind),
            flags,
            pointer(data).cast(),
        )
    }
}

/// PID 1 of the new namespace: mounts its `/proc`, forks the child (which returns, to exec),
/// says it is ready, closes every descriptor but its pipe (the child's results and output pipes
/// then close when the child's processes are gone; `std`'s pipe for an `exec` error is the
/// child's alone), reaps until the child ends, sends its wait status and ends, which ends every
/// process left in the namespace.
#[cfg(target_os = "linux")]
unsafe fn init(to_outer: libc::c_int, probe: bool) -> io::Result<()> {
    // SAFETY: system calls on live memory; this process never returns to the caller's code
    // but as the child.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
        // Best effort: a kernel that hides part of the host's /proc (a container's masks) does
        // not let a new one be mounted; the host's stays, read-only.
        let _ = mount(
            Some(c"proc"),
            c"/proc",
            Some(c"proc"),
            libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC | libc::MS_RDONLY,
            None,
        );
        let child = libc::fork();
        if child == -1 {
            let failed = failure(Step::Fork).raw_os_error().unwrap_or(0);
            send(to_outer, FAILED, failed);
            libc::_exit(1);
        }
        if child == 0 {
            libc::close(to_outer);
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong);
            let no_root = libc::SECBIT_NOROOT | libc::SECBIT_NOROOT_LOCKED;
            check(
                libc::prctl(libc::PR_SET_SECUREBITS, no_root as libc::c_ulong),
                Step::Privileges,
            )?;
            check(libc::chdir(c"/dev/shm".as_ptr()), Step::WorkingDirectory)?;
            if probe {
                libc::_exit(0);
            }
            return Ok(());
        }
        send(to_outer, READY, 0);
        close_all_but(to_outer);
        loop {
            let mut status = 0;
            let ended = libc::waitpid(-1, &mut status, 0);
            if ended == child {
                send(to_outer, ENDED, status);
                libc::_exit(0);
            }
            if ended == -1 && io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                libc::_exit(1);
            }
        }
    }
}

/// The process the gate waits for: waits for the init's word, returns a failed step's error (so
/// that `std` reports it to the gate), else closes its descriptors (the spawn returns once the
/// child has exec'd) and ends as the child ended.
#[cfg(target_os = "linux")]
unsafe fn outer(init: libc::pid_t, from_init: libc::c_int) -> io::Result<()> {
    // SAFETY: system calls on live memory; this process never returns but with an error.
    unsafe {
        let first = receive(from_init);
        let mut init_status = 0;
        match first {
            Some((FAILED, error)) => {
                libc::waitpid(init, &mut init_status, 0);
                return Err(io::Error::from_raw_os_error(error));
            }
            Some((READY, _)) => {}
            _ => {
                libc::waitpid(init, &mut init_status, 0);
                end_as(init_status);
            }
        }
        close_all_but(from_init);
        let last = receive(from_init);
        while libc::waitpid(init, &mut init_status, 0) == -1
            && io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
        {}
        match last {
            Some((ENDED, status)) => end_as(status),
            _ => end_as(init_status),
        }
    }
}

/// Ends this process as the wait status `status` says a process ended: with its exit code, or
/// by its signal.
#[cfg(target_os = "linux")]
unsafe fn end_as(status: libc::c_int) -> ! {
    // SAFETY: signal-state calls on this process, then its end.
    unsafe {
        if libc::WIFSIGNALED(status) {
            let signal = libc::WTERMSIG(status);
            libc::signal(signal, libc::SIG_DFL);
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, signal);
            libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            libc::kill(libc::getpid(), signal);
        }
        libc::_exit(if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            127
        })
    }
}

/// One record on the init's pipe: two numbers, in one `write` (atomic on a pipe).
unsafe fn send(fd: libc::c_int, kind: i32, value: i32) {
    let mut record = [0u8; 8];
    record[..4].copy_from_slice(&kind.to_ne_bytes());
    record[4..].copy_from_slice(&value.to_ne_bytes());
    // SAFETY: a live buffer; a failure leaves nothing to do.
    unsafe {
        libc::write(fd, record.as_ptr().cast(), record.len());
    }
}

/// The next record, or `None` at the pipe's end.
unsafe fn receive(fd: libc::c_int) -> Option<(i32, i32)> {
    let mut record = [0u8; 8];
    loop {
        // SAFETY: a live buffer of the length given.
        let read = unsafe { libc::read(fd, record.as_mut_ptr().cast(), record.len()) };
        if read == record.len() as isize {
            let number =
                |at: usize| i32::from_ne_bytes(record[at..at + 4].try_into().unwrap_or([0; 4]));
            return Some((number(0), number(4)));
        }
        if read != -1 || io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return None;
        }
    }
}

/// Closes every descriptor but `keep` (`close_range`, Linux 5.9; else one by one).
#[cfg(target_os = "linux")]
unsafe fn close_all_but(keep: libc::c_int) {
    let keep = keep as libc::c_uint;
    // SAFETY: closing descriptors this process holds; nothing of it uses them after.
    unsafe {
        let ranges = [(0, keep.wrapping_sub(1)), (keep + 1, libc::c_uint::MAX)];
        for (first, last) in ranges {
            if first > last {
                continue;
            }
            if libc::syscall(libc::SYS_close_range, first, last, 0 as libc::c_uint) != 0 {
                for fd in first..=last.min(4095) {
                    libc::close(fd as libc::c_int);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_step_reads_as_the_step_and_its_cause() {
        // SAFETY: sets errno, as a failed call would.
        unsafe { *libc::__errno_location() = libc::EPERM };
        let error = failure(Step::ReadOnly);
        assert_eq!(
            setup_failure(&error).as_deref(),
            Some(
                "it cannot make the file system read-only (mount_setattr, Linux 5.12 and later): \
                 Operation not permitted (os error 1)"
            )
        );
        assert_eq!(
            setup_failure(&io::Error::from_raw_os_error(libc::ENOENT)),
            None
        );
    }

    #[test]
    fn turned_off_it_says_so() {
        assert_eq!(
            Sandbox::detect(Mode::Off).describe(),
            "none, because it was turned off (--sandbox off)"
        );
        assert!(Sandbox::detect(Mode::Off).confinement().is_none());
    }

    #[test]
    fn a_failure_at_run_time_turns_it_off_for_the_rest_of_the_grade() {
        let sandbox = Sandbox::detect(Mode::Auto);
        sandbox.fall_back("a test said so".to_owned());
        assert_eq!(sandbox.describe(), "none, because a test said so");
        assert!(sandbox.confinement().is_none());
    }

    #[test]
    fn a_set_up_that_fails_for_a_child_runs_it_without_and_says_why() {
        // A user map the kernel refuses: the set-up fails at its second step (or, where there
        // are no namespaces, its first), and the child runs all the same, unsandboxed.
        let sandbox = Sandbox {
            state: Mutex::new(Ok(Confinement {
                uid_map: "not a map\n".to_owned(),
                gid_map: "not a map\n".to_owned(),
            })),
        };
        let run = crate::gate::harness::run_child(
            std::path::Path::new("/bin/sh"),
            &["-c".to_owned(), "echo ran >&2".to_owned()],
            std::time::Duration::from_secs(10),
            &sandbox,
        );
        assert_eq!(run.output, "ran\n", "{run:?}");
        let said = sandbox.describe();
        assert!(
            said.starts_with(
                "none, because setting it up for a child failed, and the rest of the grade ran \
                 without it: "
            ),
            "{said}"
        );
        assert!(sandbox.confinement().is_none());
        if Sandbox::detect(Mode::Auto).describe() == NAMESPACES {
            assert!(
                said.ends_with(
                    "it cannot map the user into its user namespace (uid_map): Invalid \
                     argument (os error 22)"
                ),
                "{said}"
            );
        }
    }

    #[test]
    fn a_program_under_a_covered_folder_runs_without_it() {
        let sandbox = Sandbox {
            state: Mutex::new(Ok(Confinement {
                uid_map: String::new(),
                gid_map: String::new(),
            })),
        };
        assert!(sandbox.confinement_for(Path::new("/bin/sh")).is_some());
        assert!(
            sandbox
                .confinement_for(Path::new("/dev/shm/gate/harness"))
                .is_none()
        );
        assert_eq!(
            sandbox.describe(),
            "none, because the program it runs, /dev/shm/gate/harness, is under /dev/shm, \
             which it covers"
        );
    }

    #[test]
    fn detection_says_namespaces_or_why_not() {
        let said = Sandbox::detect(Mode::Auto).describe();
        assert!(
            said == NAMESPACES || said.starts_with(NONE_BECAUSE),
            "{said}"
        );
    }
}
