//! Latencies in a log-linear histogram: microseconds, 32 buckets per power of two, so a
//! percentile is within about 3% of the true value and memory stays fixed however long a load
//! runs. The maximum is kept exactly.

use std::time::Duration;

/// Values below this many microseconds get a bucket each.
const EXACT: u64 = 64;
/// Buckets per power of two above [`EXACT`].
const SUB_BUCKETS: u64 = 32;
const SUB_BITS: u32 = SUB_BUCKETS.trailing_zeros();
const BUCKETS: usize = (EXACT + (64 - EXACT.trailing_zeros() as u64) * SUB_BUCKETS) as usize;

#[derive(Clone, Debug)]
pub struct Latencies {
    counts: Vec<u64>,
    count: u64,
    max: Duration,
}

impl Default for Latencies {
    fn default() -> Self {
        Latencies {
            counts: vec![0; BUCKETS],
            count: 0,
            max: Duration::ZERO,
        }
    }
}

impl Latencies {
    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.counts[bucket(micros)] += 1;
        self.count += 1;
        self.max = self.max.max(latency);
    }

    pub fn merge(&mut self, other: &Latencies) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.count += other.count;
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn max(&self) -> Duration {
        self.max
    }

    /// The latency `quantile` (0.5 for the median) of the recorded ones are at or below: the
    /// upper end of its bucket, never above the maximum. Zero if nothing was recorded.
    pub fn quantile(&self, quantile: f64) -> Duration {
        if self.count == 0 {
            return Duration::ZERO;
        }
        let rank = ((quantile * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (index, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Duration::from_micros(upper_end(index)).min(self.max);
            }
        }
        self.max
    }
}

fn bucket(micros: u64) -> usize {
    if micros < EXACT {
        return micros as usize;
    }
    let power = 63 - micros.leading_zeros();
    let sub = (micros >> (power - SUB_BITS)) - SUB_BUCKETS;
    (EXACT + u64::from(power - EXACT.trailing_zeros()) * SUB_BUCKETS + sub) as usize
}

/// The largest value in bucket `index`.
fn upper_end(index: usize) -> u64 {
    let index = index as u64;
    if index < EXACT {
        return index;
    }
    let power = (index - EXACT) / SUB_BUCKETS + u64::from(EXACT.trailing_zeros());
    let sub = (index - EXACT) % SUB_BUCKETS;
    let width = 1u64 << (power - u64::from(SUB_BITS));
    ((SUB_BUCKETS + sub) << (power - u64::from(SUB_BITS))).saturating_add(width - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_lands_in_a_bucket_whose_range_holds_it() {
        let mut previous_end = None;
        for micros in (0..5000).chain([u64::MAX / 3, u64::MAX]) {
            let index = bucket(micros);
            assert!(index < BUCKETS);
            assert!(micros <= upper_end(index), "{micros} above bucket {index}");
            if index > 0 {
                assert!(
                    micros > upper_end(index - 1),
                    "{micros} below bucket {index}"
                );
            }
            if let Some(end) = previous_end {
                assert!(upper_end(index) >= end);
            }
            previous_end = Some(upper_end(index));
        }
    }

    #[test]
    fn percentiles_are_within_a_bucket_of_the_truth() {
        let mut latencies = Latencies::default();
        for micros in 1..=1000 {
            latencies.record(Duration::from_micros(micros));
        }
        assert_eq!(latencies.quantile(0.5), Duration::from_micros(503));
        assert_eq!(latencies.quantile(0.99), Duration::from_micros(991));
        assert_eq!(latencies.quantile(1.0), Duration::from_micros(1000));
        assert_eq!(latencies.max(), Duration::from_micros(1000));
    }
}
