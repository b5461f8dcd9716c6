//! Empty: everything is in `tests/`.
