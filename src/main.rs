fn main() {
    // Exit quietly when the reader goes away (`... | head`), as Unix tools do, instead of
    // panicking on a failed print.
    // SAFETY: called once, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(interleave::cli::main(&args));
}
