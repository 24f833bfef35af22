//! # A bank account, as a user of interleave writes it
//!
//! The account is written once over interleave's facade ([`interleave::sync`],
//! [`interleave::thread`]), generic over the [`Runtime`]. Its tests check one model, two
//! withdrawals at once, from a plain `cargo test` (explored by shuttle), from
//! `RUSTFLAGS="--cfg loom" cargo test --release` (every interleaving, by loom) and on std threads.
//!
//! `withdraw` checks the balance, then takes the money: two withdrawals can both pass the check
//! before either takes anything, and the account is overdrawn. `withdraw_locked` holds the
//! account's lock from the check to the act.

use interleave::runtime::Runtime;
use interleave::sync::{Mutex, Shared};

pub struct Account<R: Runtime> {
    balance: Shared<R, i64>,
    /// Held by [`Account::withdraw_locked`] from the check to the act.
    lock: Mutex<R, ()>,
}

impl<R: Runtime> Account<R> {
    pub fn new(balance: i64) -> Self {
        Account {
            balance: Shared::named("balance", balance),
            lock: Mutex::named("account", ()),
        }
    }

    /// Check, then act: racy.
    pub fn withdraw(&self, amount: i64) -> bool {
        if self.balance.load() >= amount {
            self.balance.store(self.balance.load() - amount);
            true
        } else {
            false
        }
    }

    pub fn withdraw_locked(&self, amount: i64) -> bool {
        let _held = self.lock.lock();
        self.withdraw(amount)
    }

    pub fn balance(&self) -> i64 {
        self.balance.load()
    }
}

#[cfg(test)]
mod tests {
    use super::Account;
    use interleave::runtime::Runtime;
    use interleave::{check, model, thread};
    use std::sync::Arc;

    /// Two withdrawals of 60 from 100 at once, locked or not; the balance left.
    fn two_withdrawals<R: Runtime>(locked: bool) -> i64 {
        let account = Arc::new(Account::<R>::new(100));
        let withdraw = || {
            let account = account.clone();
            thread::spawn::<R, _, _>(move || match locked {
                true => account.withdraw_locked(60),
                false => account.withdraw(60),
            })
        };
        let (first, second) = (withdraw(), withdraw());
        first.join();
        second.join();
        account.balance()
    }

    fn overdraft(balance: &i64) -> Option<&'static str> {
        (*balance < 0).then_some("overdraft")
    }

    /// Shuttle under `cargo test`, loom under `--cfg loom`: the same test.
    #[test]
    fn two_withdrawals_overdraw_the_account() {
        let failure = check(model!(|R| two_withdrawals::<R>(false)))
            .forbid(overdraft)
            .assert_violation("overdraft");
        assert_eq!(failure.outcome.unwrap().text, "-20");
    }

    #[test]
    fn locked_withdrawals_never_overdraw() {
        let report = check(model!(|R| two_withdrawals::<R>(true)))
            .forbid(overdraft)
            .assert_holds();
        assert_eq!(report.outcomes.texts(), ["40"]);
    }

    /// On std threads: nothing is explored, so the race is seldom seen; what is seen is one of
    /// the two outcomes the checkers find.
    #[test]
    fn natively_the_balance_is_one_of_the_explored_outcomes() {
        let report = check(model!(|R| two_withdrawals::<R>(false)))
            .executions(20)
            .native()
            .unwrap();
        let seen = report.outcomes.texts();
        assert!(seen.iter().all(|b| b == "40" || b == "-20"), "{seen:?}");
        let locked = check(model!(|R| two_withdrawals::<R>(true)))
            .forbid(overdraft)
            .executions(20)
            .native()
            .unwrap();
        assert_eq!(locked.outcomes.texts(), ["40"]);
    }

    /// In a loom build, shuttle is still there: both explorers find the same two outcomes.
    #[test]
    fn shuttle_finds_both_outcomes() {
        let report = check(model!(|R| two_withdrawals::<R>(false)))
            .forbid(overdraft)
            .outcomes()
            .shuttle()
            .unwrap();
        assert_eq!(report.outcomes.texts(), ["-20", "40"]);
    }

    #[cfg(loom)]
    #[test]
    fn loom_finds_exactly_both_outcomes_in_every_interleaving() {
        let report = check(model!(|R| two_withdrawals::<R>(false)))
            .forbid(overdraft)
            .outcomes()
            .loom()
            .unwrap();
        assert!(report.exhaustive);
        assert_eq!(report.outcomes.texts(), ["-20", "40"]);
    }
}
