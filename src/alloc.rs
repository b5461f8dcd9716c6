//! A counting wrapper around the system allocator, so `INFO memory` reports
//! the bytes the server really holds (`used_memory`).
//!
//! The `miniredis` binary installs it (`#[global_allocator]` in
//! `src/main.rs`); the library does not, so a program that embeds MiniRedis
//! keeps its own allocator. There [`allocated`] falls back to an estimate:
//! the process's resident set size, read from `/proc/self/statm` (0 where
//! that file does not exist). `maxmemory` then compares RSS with the limit,
//! re-reading it for every write command while a limit is set.
//!
//! Each allocation is charged what glibc's malloc really takes for it, not
//! the size asked for: a chunk of the request plus an 8-byte header, rounded
//! up to 16 bytes with a 32-byte minimum, and whole pages for the large
//! requests malloc serves with `mmap`. A million small strings then count
//! what they cost in RSS, as Redis's `zmalloc_used_memory` does with the
//! allocator's usable size.
//!
//! Each thread adds up its own allocations and adds them to the shared
//! counter once they amount to more than [`FLUSH_AT`] bytes either way, so
//! worker threads do not contend on one cache line for every allocation. A
//! reader sees the shared counter plus its own thread's pending bytes: the
//! eviction loop, which frees on the thread that checks, sees every byte it
//! freed; other threads' pending bytes (at most `FLUSH_AT` each) show up late.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

/// Bytes a thread may hold back from [`ALLOCATED`].
const FLUSH_AT: isize = 64 * 1024;

thread_local! {
    /// This thread's allocations not yet in [`ALLOCATED`]. Const-initialized
    /// and without a destructor, so it never allocates and is always there.
    static PENDING: Cell<isize> = const { Cell::new(0) };
}

/// Counts `delta` bytes, in the thread's pending count first.
#[inline]
fn count(delta: isize) {
    PENDING.with(|pending| {
        let now = pending.get() + delta;
        if now.abs() > FLUSH_AT {
            add_to_shared(now);
            pending.set(0);
        } else {
            pending.set(now);
        }
    });
}

#[inline]
fn add_to_shared(delta: isize) {
    if delta >= 0 {
        ALLOCATED.fetch_add(delta as usize, Ordering::Relaxed);
    } else {
        ALLOCATED.fetch_sub(delta.unsigned_abs(), Ordering::Relaxed);
    }
}

/// Requests from this size on are served by `mmap` (glibc's default
/// `M_MMAP_THRESHOLD`) and cost whole pages.
const MMAP_THRESHOLD: usize = 128 * 1024;
const PAGE: usize = 4096;

/// The bytes malloc sets aside for a request of `size` bytes.
#[inline]
pub const fn charged(size: usize) -> usize {
    if size >= MMAP_THRESHOLD {
        (size + 16 + PAGE - 1) & !(PAGE - 1)
    } else {
        let chunk = (size + 8 + 15) & !15;
        if chunk < 32 {
            32
        } else {
            chunk
        }
    }
}

/// Allocations from this size on ask for transparent huge pages.
const HUGE_FROM: usize = 4 << 20;
const HUGE_PAGE: usize = 2 << 20;

/// Asks the kernel to back the whole 2 MiB pages inside a large block
/// (a big hash's or keyspace's table) with huge pages: a random lookup
/// then misses the TLB far less often. Only `madvise` mode needs this.
/// After the fork of `BGSAVE` or `BGREWRITEAOF`, Linux (5.8 on) splits a
/// huge page on its first write and copies 4 KiB, as for small pages.
#[inline]
fn advise_huge_pages(ptr: *mut u8, size: usize) {
    #[cfg(target_os = "linux")]
    if size >= HUGE_FROM {
        let start = (ptr as usize + HUGE_PAGE - 1) & !(HUGE_PAGE - 1);
        let end = (ptr as usize + size) & !(HUGE_PAGE - 1);
        if end > start {
            // SAFETY: the range lies inside the block just allocated;
            // MADV_HUGEPAGE changes no contents.
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (ptr, size);
}

pub struct Counting;

// SAFETY: every call is forwarded to `System` unchanged; we only count sizes.
unsafe impl GlobalAlloc for Counting {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            count(charged(layout.size()) as isize);
            advise_huge_pages(ptr, layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(charged(layout.size()) as isize);
            advise_huge_pages(ptr, layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        count(-(charged(layout.size()) as isize));
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            count(charged(new_size) as isize - charged(layout.size()) as isize);
            advise_huge_pages(new, new_size);
        }
        new
    }
}

/// The library's own unit tests count as the binary does.
#[cfg(test)]
#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes currently held from the allocator by the process (`used_memory`):
/// exact with [`Counting`] installed, else the resident set size.
pub fn allocated() -> usize {
    let pending = PENDING.with(Cell::get);
    let counted = ALLOCATED.load(Ordering::Relaxed);
    // Both stay 0 only when `Counting` is not the global allocator: with it,
    // the first 64 KB any thread allocates are published at start-up.
    if counted == 0 && pending == 0 {
        rss()
    } else {
        counted.saturating_add_signed(pending)
    }
}

/// Fixes glibc's `M_MMAP_THRESHOLD` at [`MMAP_THRESHOLD`]. Left alone, glibc
/// raises it each time a mapped block is freed, so the buffers of growing
/// tables (one per keyspace shard) would move into the heap and leave holes
/// there as they grow: about 5 bytes per key more RSS for a million keys.
/// Fixed, every large block is mapped, grows in place with `mremap`, and is
/// charged as [`charged`] assumes.
pub fn init() {
    // SAFETY: a plain setting of glibc's malloc, made before any thread starts.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int)
    };
}

/// Resident set size of the process, from /proc (0 where unavailable).
pub fn rss() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<usize>().ok()))
        .map_or(0, |pages| pages * PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_follow_malloc_chunks() {
        assert_eq!(charged(0), 32);
        assert_eq!(charged(24), 32);
        assert_eq!(charged(25), 48);
        assert_eq!(charged(100), 112);
        assert_eq!(charged(1 << 20), (1 << 20) + PAGE);
    }

    #[test]
    fn a_thread_sees_its_own_small_allocations_at_once() {
        std::thread::spawn(|| {
            let pending = || PENDING.with(Cell::get);
            let before = pending();
            let block = Box::new([0u8; 100]);
            let after = pending();
            assert!(after - before == 112 || after == 0, "counted, or flushed: {before} -> {after}");
            drop(block);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn allocations_are_counted() {
        let before = allocated();
        let block = vec![0u8; 10 << 20];
        assert!(allocated() >= before + (10 << 20) - (1 << 20), "other tests run concurrently");
        drop(block);
    }
}
