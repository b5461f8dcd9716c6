//! What the operating system says and allows: errors in C's words, the
//! open-file limit.

/// An OS error as C's `strerror` words it (`No such file or directory`),
/// without Rust's `(os error 2)` suffix.
pub fn error_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// Raises the process's open-file limit so `maxclients` clients fit (plus
/// 32 descriptors for the server itself, as Redis reserves); returns how
/// many clients the limit allows.
pub fn raise_fd_limit(maxclients: u64) -> u64 {
    const RESERVED: u64 = 32;
    let wanted = maxclients.saturating_add(RESERVED);
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit/setrlimit only read and write the struct passed.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return maxclients;
            }
            if limit.rlim_cur < wanted {
                let raised = libc::rlimit { rlim_cur: wanted.min(limit.rlim_max), rlim_max: limit.rlim_max };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit.rlim_cur = raised.rlim_cur;
                }
            }
        }
        limit.rlim_cur.saturating_sub(RESERVED).min(maxclients)
    }
    #[cfg(not(unix))]
    maxclients
}
