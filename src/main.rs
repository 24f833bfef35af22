//! The `interleave` command line: the tour, `check`, `outcomes`, `time`, `replay`, `grade` and the
//! rest (`interleave --help`); everything it runs is in the library.

/// Reports an allocation the memory limit refuses when this binary runs as a gate child
/// (`gate-builtin`); otherwise the system allocator, unchanged.
#[global_allocator]
static ALLOCATOR: interleave::gate::limits::GateAllocator = interleave::gate::limits::GateAllocator;

use interleave::exit::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether descriptor 1 was closed when the process started (`interleave list >&-`). Before
/// `main`, std opens /dev/null on a closed standard descriptor, and the output would vanish
/// with exit code 0; so this is looked at first, by a constructor, which runs before std's
/// start-up.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static NOTE_STDOUT_CLOSED: extern "C" fn() = {
    extern "C" fn note() {
        // SAFETY: asks for a descriptor's flags; changes nothing.
        if unsafe { libc::fcntl(1, libc::F_GETFD) } == -1 {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
        }
    }
    note
};

fn main() {
    // Exit quietly when the reader goes away (`... | head`), as Unix tools do, instead of
    // panicking on a failed print.
    // SAFETY: called once, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let mut args = Vec::new();
    for (position, arg) in std::env::args_os().skip(1).enumerate() {
        match arg.into_string() {
            Ok(arg) => args.push(arg),
            Err(arg) => {
                eprintln!(
                    "error: argument {} ({arg:?}) is not valid UTF-8",
                    position + 1
                );
                std::process::exit(ExitCode::Usage.code());
            }
        }
    }
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        // To the gate, 3 is a rejected submission: a report with nowhere to go is the grader's
        // error.
        let code = match args.first().map(String::as_str) {
            Some("grade" | "merge-reports") => ExitCode::GraderError,
            _ => ExitCode::Output,
        };
        eprintln!("error: cannot write the output: standard output is closed");
        std::process::exit(code.code());
    }
    std::process::exit(interleave::cli::main(&args));
}
