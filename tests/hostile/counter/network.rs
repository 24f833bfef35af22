//! expect: rejected 7
//! Phones home with its grade (or fetches a solution): refused before compiling (`std::net`).

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;
use std::io::Write;
use std::net::TcpStream;

pub struct ChattyCounter<R: Runtime> {
    n: Mutex<R, usize>,
}

impl<R: Runtime> Counter<R> for ChattyCounter<R> {
    fn new(start: usize) -> Self {
        if let Ok(mut stream) = TcpStream::connect("127.0.0.1:9") {
            let _ = stream.write_all(b"hello");
        }
        ChattyCounter { n: Mutex::named("n", start) }
    }

    fn decrement(&self) {
        *self.n.lock() -= 1;
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = ChattyCounter<R>;
