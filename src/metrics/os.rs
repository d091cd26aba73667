//! What the operating system observes: CPU time, the open-files limit and
//! the number of open fds. (Sockets: [`sockets`](super::sockets).)

use std::io;
use std::time::Duration;

/// User + system CPU time of this whole process (all threads).
pub fn process_cpu() -> Duration {
    rusage(libc::RUSAGE_SELF)
}

/// User + system CPU time of the calling thread.
pub fn thread_cpu() -> Duration {
    rusage(libc::RUSAGE_THREAD)
}

fn rusage(who: libc::c_int) -> Duration {
    // SAFETY: getrusage writes into the zeroed struct we pass; both `who`
    // values are valid on Linux, so it cannot fail.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

pub use crate::results::NofileLimit;

/// Raises this process's soft RLIMIT_NOFILE to its hard limit.
pub fn raise_nofile_limit() -> io::Result<NofileLimit> {
    // SAFETY: plain get/setrlimit on a struct we own.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return Err(io::Error::last_os_error());
        }
        let soft_before = lim.rlim_cur;
        lim.rlim_cur = lim.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(NofileLimit {
            soft_before,
            soft: lim.rlim_cur,
            hard: lim.rlim_max,
            from_scenario: false,
        })
    }
}

/// Sets this process's soft RLIMIT_NOFILE to `soft` (at most the hard
/// limit, which `limit` holds).
pub fn set_nofile_soft(limit: NofileLimit, soft: u64) -> io::Result<NofileLimit> {
    if soft > limit.hard {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{soft} is above the hard limit {}", limit.hard),
        ));
    }
    let lim = libc::rlimit {
        rlim_cur: soft,
        rlim_max: limit.hard,
    };
    // SAFETY: plain setrlimit on a struct we own.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(NofileLimit {
        soft,
        from_scenario: true,
        ..limit
    })
}

/// Counts the entries of `/proc/self/fd` without allocating per call: the
/// directory is opened once and re-read from the start each time.
pub struct FdCounter {
    dir: libc::c_int,
    buf: Vec<u8>,
}

impl FdCounter {
    pub fn open() -> io::Result<FdCounter> {
        // SAFETY: a NUL-terminated path; the fd is owned and closed in Drop.
        let dir = unsafe {
            libc::open(
                c"/proc/self/fd".as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        };
        if dir < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(FdCounter {
            dir,
            buf: vec![0; 64 * 1024],
        })
    }

    /// Open fds of this process, not counting the counter's own.
    pub fn count(&mut self) -> io::Result<u64> {
        // SAFETY: `dir` is our open directory fd and `buf` is writable for
        // its whole length; getdents64 fills whole records only.
        unsafe {
            if libc::lseek(self.dir, 0, libc::SEEK_SET) < 0 {
                return Err(io::Error::last_os_error());
            }
            let mut entries = 0u64;
            loop {
                let n = libc::syscall(
                    libc::SYS_getdents64,
                    self.dir,
                    self.buf.as_mut_ptr(),
                    self.buf.len(),
                );
                if n < 0 {
                    return Err(io::Error::last_os_error());
                }
                if n == 0 {
                    break;
                }
                entries += count_dirents(&self.buf[..n as usize]);
            }
            // ".", ".." and the directory fd itself.
            Ok(entries.saturating_sub(3))
        }
    }
}

/// Counts `linux_dirent64` records in a getdents64 buffer.
fn count_dirents(buf: &[u8]) -> u64 {
    // struct linux_dirent64 { u64 d_ino; i64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
    let mut offset = 0;
    let mut count = 0;
    while offset + 19 <= buf.len() {
        let reclen = u16::from_ne_bytes([buf[offset + 16], buf[offset + 17]]) as usize;
        if reclen == 0 {
            break;
        }
        count += 1;
        offset += reclen;
    }
    count
}

impl Drop for FdCounter {
    fn drop(&mut self) {
        // SAFETY: closing the fd we opened, once.
        unsafe {
            libc::close(self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fd_count_follows_opened_files() -> Result<(), Box<dyn std::error::Error>> {
        let mut counter = FdCounter::open()?;
        let before = counter.count()?;
        let files = (0..5)
            .map(|_| tempfile::tempfile())
            .collect::<Result<Vec<_>, _>>()?;
        // Other test threads may open fds too, so only a lower bound holds.
        assert!(counter.count()? >= before + 5);
        drop(files);
        Ok(())
    }

    #[test]
    fn cpu_time_grows_with_work() {
        let before = thread_cpu();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(thread_cpu() > before);
        assert!(process_cpu() >= thread_cpu());
    }
}
