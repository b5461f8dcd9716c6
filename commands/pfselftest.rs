//! PFSELFTEST

use crate::prelude::*;
use crate::store::hyperloglog::{self, HEADER, REGISTERS};

/// `PFSELFTEST`: checks the HyperLogLog code: dense register access
/// against a plain array, sparse and dense HLLs kept in step, and the
/// estimate's error against the true count.
pub struct Pfselftest;

/// Elements added in the accuracy test.
const ELEMENTS: u64 = 10_000;

impl Command for Pfselftest {
    fn meta(&self) -> CommandMeta {
        CommandMeta {
            name: "pfselftest",
            arity: 1,
            flags: &[Flag::Admin],
            group: "hyperloglog",
            summary: "An internal command for testing HyperLogLog values",
            since: "2.8.9",
            complexity: "N/A",
            ..CommandMeta::DEFAULT
        }
    }

    fn execute(&self, _ctx: &mut Context<'_>, _args: &mut Args<'_>) -> CommandResult {
        self_test().map_err(|text| ReplyError::err(format_args!("TESTFAILED {text}")))?;
        Ok(Reply::OK)
    }
}

fn self_test() -> Result<(), String> {
    // Dense registers: random values written and read back.
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut registers = vec![0u8; hyperloglog::DENSE_SIZE - HEADER];
    let mut expected = vec![0u8; REGISTERS];
    for _ in 0..20 {
        for (i, slot) in expected.iter_mut().enumerate() {
            *slot = (next() % 64) as u8;
            hyperloglog::dense_set(&mut registers, i, *slot);
        }
        for (i, &value) in expected.iter().enumerate() {
            let found = hyperloglog::dense_get(&registers, i);
            if found != value {
                return Err(format!("Register error at {i}: expected {value}, found {found}"));
            }
        }
    }
    // An HLL that starts sparse (promoted on the way) and a dense one must
    // agree, and stay within 5 standard errors of the true count.
    let mut sparse = hyperloglog::new_sparse();
    let mut dense = hyperloglog::new_sparse();
    hyperloglog::to_dense(&mut dense).map_err(|_| "Sparse to dense conversion failed".to_string())?;
    let relative_error = 1.04 / (REGISTERS as f64).sqrt();
    let mut checkpoint = 1;
    for n in 1..=ELEMENTS {
        let element = next().to_le_bytes();
        let corrupt = |_| "Corrupted HLL while testing".to_string();
        hyperloglog::add(&mut sparse, &element, hyperloglog::DEFAULT_SPARSE_MAX_BYTES).map_err(corrupt)?;
        hyperloglog::add(&mut dense, &element, u64::MAX).map_err(corrupt)?;
        if n != checkpoint {
            continue;
        }
        let counted = hyperloglog::count(&dense).map_err(corrupt)?;
        let sparse_counted = hyperloglog::count(&sparse).map_err(corrupt)?;
        if counted != sparse_counted {
            return Err(format!("Sparse and dense HLLs disagree at {n}: {sparse_counted} vs {counted}"));
        }
        let allowed = (n as f64 * relative_error * 5.0).max(1.0);
        if (counted as f64 - n as f64).abs() > allowed {
            return Err(format!("Too big error. card:{n} abserr:{}", counted.abs_diff(n)));
        }
        checkpoint *= 10;
    }
    Ok(())
}

inventory::submit! { Registration::new(&Pfselftest, module_path!()) }

#[cfg(test)]
mod tests {
    use crate::protocol::Reply;
    use crate::testing::*;

    #[test]
    fn passes() {
        let mut h = Harness::new();
        assert_eq!(h.run("PFSELFTEST"), Reply::OK);
        assert_eq!(h.run("PFSELFTEST x"), err("ERR wrong number of arguments for 'pfselftest' command"));
    }
}
