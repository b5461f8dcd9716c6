//! `FUNCTION` libraries: loaded code, the functions each registered, and
//! their flags.

/// Every loaded library.
#[derive(Default)]
pub struct Libraries {}

impl Libraries {
    /// Bytes of library code held.
    pub fn bytes(&self) -> usize {
        0
    }

    pub fn len(&self) -> usize {
        0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn function_count(&self) -> usize {
        0
    }
}
