//! The one place files are written and the one way they are opened for reading.
//!
//! Writing: a temporary file beside the target, synced, then renamed over it, so the target
//! holds its old content or all of the new, never a part. A rename replaces whatever has the
//! name, so the target is checked first: only a regular file is replaced (or a new one
//! created); a FIFO, device, directory, socket or symbolic link there is an error and nothing
//! on disk changes. Temporary files left by a process that died are removed on the next write
//! into the same directory.
//!
//! Reading: only regular files, whose length is known before a byte is read, so every reader
//! can check the sizes a header declares against it; a pipe or device is refused by name.

use crate::error::{Error, Result};
use std::fs::{File, Metadata};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The infix of temporary names: `.NAME.tmp-PID`.
const TMP_INFIX: &str = ".tmp-";

/// What kind of thing is at a path, in words, when it is not a regular file.
fn kind(meta: &Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    let kind = if t.is_file() {
        return None;
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    Some(kind)
}

/// Errs unless `path` is absent or a regular file (not followed if it is a symbolic link).
fn check_replaceable(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) => match kind(&meta) {
            None => Ok(()),
            Some(kind) => Err(Error::Invalid(format!(
                "{}: is {kind}; only a regular file is replaced, so nothing was written",
                path.display()
            ))),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn split(path: &Path) -> Result<(&Path, String)> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::Invalid(format!("{}: not a file name", path.display())))?;
    Ok((dir, name.to_string_lossy().into_owned()))
}

/// The temporary name this process uses for `path`.
pub fn temp_path(path: &Path) -> Result<PathBuf> {
    let (dir, name) = split(path)?;
    Ok(dir.join(format!(".{name}{TMP_INFIX}{}", std::process::id())))
}

/// Removes `.NAME.tmp-PID` files for `path` whose process no longer runs: a killed writer's
/// leftovers. A running process's file is left alone, as it may be mid-write.
fn remove_stale(path: &Path) {
    let Ok((dir, name)) = split(path) else { return };
    let prefix = format!(".{name}{TMP_INFIX}");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        // kill(pid, 0) sends nothing; ESRCH says no such process exists.
        let gone = pid > 0
            && unsafe { libc::kill(pid, 0) } != 0
            && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        let regular = entry.file_type().is_ok_and(|t| t.is_file());
        if gone && regular {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes `bytes` to `path` atomically (see the module's description).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |f, _| f.write_all(bytes).map_err(|e| Error::io(path, e)))
}

/// Writes `path` atomically with `fill`, which gets the temporary file and its name (to check
/// what was written before it replaces anything). On any error the temporary file is removed
/// and `path` is untouched.
pub fn write_with(path: &Path, fill: impl FnOnce(&mut File, &Path) -> Result<()>) -> Result<()> {
    check_replaceable(path)?;
    remove_stale(path);
    let (dir, _) = split(path)?;
    let tmp = temp_path(path)?;
    let result = (|| {
        // Named by the destination: a missing or read-only directory is the user's to fix.
        let mut f = File::create(&tmp).map_err(|e| Error::io(path, e))?;
        fill(&mut f, &tmp)?;
        f.sync_all().map_err(|e| Error::io(path, e))?;
        drop(f);
        // Checked again just before the rename: the target may have changed while we wrote.
        check_replaceable(path)?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
        // Make the rename itself durable.
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| Error::io(dir, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Opens `path` for reading, refusing anything but a regular file (symbolic links are
/// followed); returns the file and its length.
pub fn open_regular(path: &Path) -> Result<(File, u64)> {
    use std::os::unix::fs::OpenOptionsExt;
    // Checked before opening too: opening a FIFO waits for a writer, perhaps for ever.
    let before = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if let Some(kind) = kind(&before) {
        return Err(not_regular(path, kind));
    }
    // Non-blocking, in case a FIFO took the name since; a regular file ignores the flag.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if let Some(kind) = kind(&meta) {
        return Err(not_regular(path, kind));
    }
    Ok((file, meta.len()))
}

fn not_regular(path: &Path, kind: &str) -> Error {
    Error::Invalid(format!(
        "{}: is {kind}; expected a regular file (a pipe or device has no length to check a header against)",
        path.display()
    ))
}

/// Reads the whole regular file at `path`, refusing one longer than `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let (file, len) = open_regular(path)?;
    if len > limit {
        return Err(Error::Invalid(format!(
            "{}: is {len} bytes, more than the {limit} bytes expected of such a file",
            path.display()
        )));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    // The file may grow while it is read: never more than the limit.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::Invalid(format!(
            "{}: grew past {limit} bytes while it was read",
            path.display()
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m");
        write_atomic(&file, b"one").unwrap();
        write_atomic(&file, b"two").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"two");

        let sub = dir.path().join("d");
        std::fs::create_dir(&sub).unwrap();
        let e = write_atomic(&sub, b"x").unwrap_err().to_string();
        assert!(e.contains("is a directory") && e.contains("d"), "{e}");
        assert!(sub.is_dir());

        let link = dir.path().join("l");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let e = write_atomic(&link, b"x").unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&file).unwrap(), b"two");

        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 3, "no temporary file left: {names:?}");
    }

    #[test]
    fn a_dead_writers_temporary_file_is_removed_a_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m");
        // PIDs above the kernel's maximum (4194304) never run.
        let dead = dir.path().join(".m.tmp-999999999");
        let live = dir
            .path()
            .join(format!(".m.tmp-{}", std::os::unix::process::parent_id()));
        std::fs::write(&dead, b"half").unwrap();
        std::fs::write(&live, b"busy").unwrap();
        write_atomic(&file, b"new").unwrap();
        assert!(!dead.exists());
        assert!(live.exists());
    }

    #[test]
    fn reading_refuses_what_is_not_a_regular_file_or_too_long() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_regular(dir.path(), 10).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        let file = dir.path().join("f");
        std::fs::write(&file, b"0123456789ab").unwrap();
        let e = read_regular(&file, 10).unwrap_err().to_string();
        assert!(e.contains("12 bytes"), "{e}");
        assert_eq!(read_regular(&file, 12).unwrap(), b"0123456789ab");
    }
}
