"""A child process's lifetime tied to its parent's: Linux's parent-death signal, said once.

nginx's master (``web.front``) and the build's background child (``build.background``) must not
outlive the process that started them, even when that process is killed with SIGKILL and can run
no clean-up of its own: the kernel sends the child a signal when its parent ends.
"""

from __future__ import annotations

import ctypes

PR_SET_PDEATHSIG = 1            # prctl(2): the signal sent when the thread that forked us ends
PR_SET_CHILD_SUBREAPER = 36     # prctl(2): orphans of our descendants become ours


def prctl(option: int, value: int) -> bool:
    """Call prctl(2); False where there is none (not Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, value, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def signal_on_parent_death(signal_number: int) -> bool:
    """Be sent ``signal_number`` when the parent ends; False where the system cannot."""
    return prctl(PR_SET_PDEATHSIG, signal_number)
