//! expect: rejected 11
//! says: `std::sync::mpsc::Sender` goes around the facade
//! A textbook pool on `std::sync::mpsc` and `std::thread`: honest, and invisible to the checker
//! (real OS threads and a real channel it never switches on). Refused before compiling, at the
//! first import that goes around the facade.

use interleave::gate::exercises::thread_pool::{
    Callback, CancelledError, Executor, Future, SubmitError, Task,
};
use interleave::runtime::Runtime;
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::marker::PhantomData;

pub struct ChannelPool<R: Runtime> {
    jobs: Mutex<Option<Sender<Task>>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
    runtime: PhantomData<R>,
}

pub struct Done(Arc<Mutex<Option<usize>>>);

impl Future for Done {
    fn result(&self) -> Result<usize, CancelledError> {
        loop {
            if let Some(value) = *self.0.lock().unwrap() {
                return Ok(value);
            }
            std::thread::yield_now();
        }
    }

    fn done(&self) -> bool {
        self.0.lock().unwrap().is_some()
    }

    fn cancel(&self) -> bool {
        false
    }

    fn add_done_callback(&self, callback: Callback<Self>) {
        callback(self);
    }
}

impl<R: Runtime> Executor<R> for ChannelPool<R> {
    type Future = Done;

    fn new(max_workers: usize) -> Self {
        let (send, receive) = channel::<Task>();
        let receive = Arc::new(Mutex::new(receive));
        let workers = (0..max_workers.max(1))
            .map(|_| {
                let receive = receive.clone();
                std::thread::spawn(move || {
                    while let Ok(task) = receive.lock().unwrap().recv() {
                        task();
                    }
                })
            })
            .collect();
        ChannelPool { jobs: Mutex::new(Some(send)), workers: Mutex::new(workers), runtime: PhantomData }
    }

    fn submit(&self, task: Task) -> Result<Done, SubmitError> {
        let slot = Arc::new(Mutex::new(None));
        let sender = self.jobs.lock().unwrap().clone().ok_or(SubmitError::Shutdown)?;
        let _ = sender.send(task);
        Ok(Done(slot))
    }

    fn shutdown(&self, wait: bool) {
        self.jobs.lock().unwrap().take();
        if wait {
            for worker in self.workers.lock().unwrap().drain(..) {
                let _ = worker.join();
            }
        }
    }
}

pub type Submission<R> = ChannelPool<R>;
