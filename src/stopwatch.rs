//! Timing commands (`INFO commandstats` usec, the slow log, the latency
//! monitor): two readings per command, so the reading must be cheap.
//!
//! On x86-64 with an invariant TSC (constant rate, not stopped in sleep
//! states: CPUID 0x8000_0007, EDX bit 8) a reading is one `rdtsc`, about
//! 14 ns on this project's VM against 34 ns for `clock_gettime`; ticks are
//! turned into microseconds with a rate measured once against the
//! monotonic clock. Elsewhere a reading is the monotonic clock itself.

use once_cell::sync::Lazy;

/// A point in time, in ticks of [`Stopwatch`]'s clock.
#[derive(Clone, Copy, Debug)]
pub struct Reading(u64);

/// How ticks become microseconds: `ticks * per_tick >> 32`.
struct Scale {
    tsc: bool,
    us_per_tick_q32: u64,
}

static SCALE: Lazy<Scale> = Lazy::new(|| {
    if invariant_tsc() {
        if let Some(per_us) = tsc_ticks_per_us() {
            return Scale { tsc: true, us_per_tick_q32: ((1u64 << 32) as f64 / per_us) as u64 };
        }
    }
    Scale { tsc: false, us_per_tick_q32: (1u64 << 32) / 1000 }
});

/// Measures the TSC's rate once (a 2 ms spin); call early, e.g. at start-up.
pub fn calibrate() {
    Lazy::force(&SCALE);
}

/// Reads the clock.
#[inline]
pub fn now() -> Reading {
    #[cfg(target_arch = "x86_64")]
    if SCALE.tsc {
        // SAFETY: `rdtsc` exists on every x86-64 CPU and reads a counter.
        return Reading(unsafe { core::arch::x86_64::_rdtsc() });
    }
    Reading(crate::metrics::monotonic_ns())
}

impl Reading {
    /// Microseconds from this reading until now, as Redis counts them:
    /// both ends on a microsecond clock, so a 0.3 µs call counts 1 µs
    /// three times in ten, and the sum over many calls is their real time.
    #[inline]
    pub fn elapsed_us(self) -> u64 {
        now().micros().saturating_sub(self.micros())
    }

    #[inline]
    fn micros(self) -> u64 {
        ((u128::from(self.0) * u128::from(SCALE.us_per_tick_q32)) >> 32) as u64
    }
}

fn invariant_tsc() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::__cpuid;
        __cpuid(0x8000_0000).eax >= 0x8000_0007 && __cpuid(0x8000_0007).edx & (1 << 8) != 0
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// TSC ticks per microsecond: the median of three 2/3 ms spins against
/// the monotonic clock; `None` when the counter does not move forward.
fn tsc_ticks_per_us() -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::_rdtsc;
        let mut rates: Vec<f64> = (0..3)
            .map(|_| {
                // SAFETY: as in `now`.
                let (ns0, t0) = (crate::metrics::monotonic_ns(), unsafe { _rdtsc() });
                let mut ns1 = ns0;
                while ns1.wrapping_sub(ns0) < 666_666 {
                    ns1 = crate::metrics::monotonic_ns();
                }
                let t1 = unsafe { _rdtsc() };
                t1.saturating_sub(t0) as f64 * 1000.0 / ns1.wrapping_sub(ns0) as f64
            })
            .collect();
        rates.sort_by(f64::total_cmp);
        let rate = rates[1];
        (rate.is_finite() && rate >= 1.0).then_some(rate)
    }
    #[cfg(not(target_arch = "x86_64"))]
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sleep_measures_its_length() {
        calibrate();
        let start = now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let us = start.elapsed_us();
        // Sleeping never returns early (1 ms of slack for the measured rate);
        // an overloaded machine may add a lot.
        assert!((19_000..2_000_000).contains(&us), "measured {us} µs for a 20 ms sleep");
    }
}
