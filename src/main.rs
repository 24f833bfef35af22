/// Reports an allocation the memory limit refuses when this binary runs as a gate child
/// (`gate-builtin`); otherwise the system allocator, unchanged.
#[global_allocator]
static ALLOCATOR: interleave::gate::limits::GateAllocator = interleave::gate::limits::GateAllocator;

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
                std::process::exit(2);
            }
        }
    }
    std::process::exit(interleave::cli::main(&args));
}
