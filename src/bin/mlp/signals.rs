//! Ctrl-C and SIGTERM during training: the first asks training to stop at the next mini-batch
//! (it writes its checkpoint, if one was asked for, and says what was kept); the second ends
//! the process at once. Files being written are temporary files until renamed, so an abrupt
//! end leaves only a temporary file, removed by the next save into that directory.

use std::sync::atomic::{AtomicBool, Ordering};

/// The exit status of a process ended by SIGINT, as shells report it (128 + 2).
pub const EXIT_INTERRUPTED: u8 = 130;

static SIGNALLED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    // Only async-signal-safe calls here: atomics, write(2), _exit(2).
    if SIGNALLED.swap(true, Ordering::SeqCst) {
        unsafe { libc::_exit(EXIT_INTERRUPTED as libc::c_int) };
    }
    mlp::train::request_stop();
    let note = b"\nstopping after this mini-batch (again to quit at once)\n";
    unsafe { libc::write(2, note.as_ptr().cast(), note.len()) };
}

/// Installs the handler for SIGINT and SIGTERM.
pub fn stop_training_on_interrupt() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a handler that makes only async-signal-safe calls, installed before training
        // starts its threads.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}
