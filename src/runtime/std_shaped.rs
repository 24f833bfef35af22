//! loom and shuttle mirror std's `thread` and `sync` paths, so one `Runtime` impl serves all
//! three backends; each backend file names its crate and says what `sleep` does there. A backend
//! may name a module of its own for the locks (`sync = module`, with std's API), and override the
//! trait's provided methods (`overrides { ... }`).

use std::future::Future;
use std::time::Duration;

/// A backend's cooperative tasks, implemented next to it and forwarded by [`impl_runtime`]
/// (the `Runtime` items of the same names say what each does).
pub trait Tasks {
    type Task<T: Send + 'static>: Send;
    fn spawn<F>(name: String, future: F) -> Self::Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    fn join<T: Send + 'static>(
        task: Self::Task<T>,
    ) -> impl Future<Output = std::thread::Result<T>> + Send;
    fn block_on<F: Future>(future: F) -> F::Output;
    fn yield_now() -> impl Future<Output = ()> + Send;
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send;
}

macro_rules! impl_runtime {
    // A lock type: the backend crate's own, or the one in the backend's `sync` module.
    (@lock $krate:ident [] $($lock:tt)*) => { ::$krate::sync::$($lock)* };
    (@lock $krate:ident [$sync:ident] $($lock:tt)*) => { $sync::$($lock)* };
    (
        $backend:ty,
        $name:literal,
        $krate:ident,
        $(sync = $sync:ident,)?
        explores = $explores:expr,
        exhaustive = $exhaustive:expr,
        has_clock = $has_clock:expr,
        sleep = $sleep:expr,
        spurious_wakeup = $spurious:expr,
        timeout = $timeout:expr,
        atomic = $atomic:ty
        $(, atomic_usize = $atomic_usize:ty)?
        $(, overrides { $($overrides:tt)* })?
    ) => {
        ::$krate::thread_local! {
            static THREAD_SLOT: std::cell::RefCell<Option<std::sync::Arc<dyn std::any::Any + Send + Sync>>> =
                std::cell::RefCell::new(None);
        }

        impl $crate::runtime::Runtime for $backend {
            const NAME: &'static str = $name;
            const EXPLORES: bool = $explores;
            const EXHAUSTIVE: bool = $exhaustive;
            const HAS_CLOCK: bool = $has_clock;

            type Mutex<T: Send> = $crate::runtime::std_shaped::impl_runtime!(@lock $krate [$($sync)?] Mutex<T>);
            type Guard<'a, T: Send + 'a> = $crate::runtime::std_shaped::impl_runtime!(@lock $krate [$($sync)?] MutexGuard<'a, T>);
            type Condvar = $crate::runtime::std_shaped::impl_runtime!(@lock $krate [$($sync)?] Condvar);
            type AtomicUsize = $crate::runtime::std_shaped::given_or!(
                $($atomic_usize)?, ::$krate::sync::atomic::AtomicUsize
            );
            type Atomic<T: $crate::runtime::AtomicValue> = $atomic;
            type JoinHandle<T: Send + 'static> = ::$krate::thread::JoinHandle<T>;
            type ThreadId = ::$krate::thread::ThreadId;

            fn spawn_thread<F, T>(name: String, body: F) -> Self::JoinHandle<T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                $crate::trace::count_spawn();
                ::$krate::thread::Builder::new()
                    .name(name)
                    .spawn(body)
                    .expect(concat!($name, " refused to start a thread"))
            }

            fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> std::thread::Result<T> {
                handle.join()
            }

            fn yield_now() {
                ::$krate::thread::yield_now();
            }

            fn sleep(duration: std::time::Duration) {
                let sleep: fn(std::time::Duration) = $sleep;
                sleep(duration);
            }

            fn current_name() -> Option<String> {
                ::$krate::thread::current().name().map(str::to_owned)
            }

            fn current_id() -> Self::ThreadId {
                ::$krate::thread::current().id()
            }

            fn thread_slot() -> Option<std::sync::Arc<dyn std::any::Any + Send + Sync>> {
                THREAD_SLOT.with(|slot| slot.borrow().clone())
            }

            fn set_thread_slot(value: Option<std::sync::Arc<dyn std::any::Any + Send + Sync>>) {
                THREAD_SLOT.with(|slot| *slot.borrow_mut() = value);
            }

            fn new_mutex<T: Send>(value: T) -> Self::Mutex<T> {
                <Self::Mutex<T>>::new(value)
            }

            fn lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::Guard<'_, T> {
                mutex
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
            }

            fn try_lock<T: Send>(mutex: &Self::Mutex<T>) -> Option<Self::Guard<'_, T>> {
                match mutex.try_lock() {
                    Ok(guard) => Some(guard),
                    Err(std::sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
                    Err(std::sync::TryLockError::WouldBlock) => None,
                }
            }

            fn new_condvar() -> Self::Condvar {
                <Self::Condvar>::new()
            }

            fn wait<'a, T: Send>(
                condvar: &Self::Condvar,
                guard: Self::Guard<'a, T>,
            ) -> Self::Guard<'a, T> {
                condvar
                    .wait(guard)
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
            }

            fn wait_timeout<'a, T: Send>(
                condvar: &Self::Condvar,
                guard: Self::Guard<'a, T>,
                timeout: std::time::Duration,
            ) -> (Self::Guard<'a, T>, bool) {
                let to_backend_time: fn(std::time::Duration) -> std::time::Duration = $timeout;
                let (guard, result) = condvar
                    .wait_timeout(guard, to_backend_time(timeout))
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                (guard, result.timed_out())
            }

            fn spurious_wakeup() -> bool {
                let spurious: fn() -> bool = $spurious;
                spurious()
            }

            fn notify_one(condvar: &Self::Condvar) {
                condvar.notify_one();
            }

            fn notify_all(condvar: &Self::Condvar) {
                condvar.notify_all();
            }

            fn new_atomic(value: usize) -> Self::AtomicUsize {
                Self::AtomicUsize::new(value)
            }

            fn load(atomic: &Self::AtomicUsize) -> usize {
                atomic.load(std::sync::atomic::Ordering::SeqCst)
            }

            fn store(atomic: &Self::AtomicUsize, value: usize) {
                atomic.store(value, std::sync::atomic::Ordering::SeqCst)
            }

            fn fetch_add(atomic: &Self::AtomicUsize, value: usize) -> usize {
                atomic.fetch_add(value, std::sync::atomic::Ordering::SeqCst)
            }

            fn fetch_sub(atomic: &Self::AtomicUsize, value: usize) -> usize {
                atomic.fetch_sub(value, std::sync::atomic::Ordering::SeqCst)
            }

            fn compare_exchange(
                atomic: &Self::AtomicUsize,
                current: usize,
                new: usize,
            ) -> Result<usize, usize> {
                use std::sync::atomic::Ordering::SeqCst;
                atomic.compare_exchange(current, new, SeqCst, SeqCst)
            }

            type Task<T: Send + 'static> = <$backend as $crate::runtime::std_shaped::Tasks>::Task<T>;

            fn spawn_task<F>(name: String, future: F) -> Self::Task<F::Output>
            where
                F: std::future::Future + Send + 'static,
                F::Output: Send + 'static,
            {
                $crate::trace::count_spawn();
                <$backend as $crate::runtime::std_shaped::Tasks>::spawn(name, future)
            }

            fn join_task<T: Send + 'static>(
                task: Self::Task<T>,
            ) -> impl std::future::Future<Output = std::thread::Result<T>> + Send {
                <$backend as $crate::runtime::std_shaped::Tasks>::join(task)
            }

            fn block_on<F: std::future::Future>(future: F) -> F::Output {
                <$backend as $crate::runtime::std_shaped::Tasks>::block_on(future)
            }

            fn yield_task() -> impl std::future::Future<Output = ()> + Send {
                <$backend as $crate::runtime::std_shaped::Tasks>::yield_now()
            }

            fn sleep_task(
                duration: std::time::Duration,
            ) -> impl std::future::Future<Output = ()> + Send {
                <$backend as $crate::runtime::std_shaped::Tasks>::sleep(duration)
            }

            $($($overrides)*)?
        }
    };
}

/// The type given, else the default: a backend's optional parameter of [`impl_runtime`].
macro_rules! given_or {
    (, $default:ty) => {
        $default
    };
    ($given:ty, $default:ty) => {
        $given
    };
}

pub(crate) use {given_or, impl_runtime};
