"""Run untrusted student files in a separate, limited process: the grader's sandbox.

The grader (:mod:`course_utils.grading`) copies a submission into a fresh work folder with
the *unlabelled* images and runs a task there (:mod:`.tasks`: ``predict`` and ``notebook``);
:mod:`.jail` holds the machinery, which knows nothing of the challenge.

A task runs in a process started with ``start_new_session=True``; on timeout, on too much
memory (the PSS of every process of the sandbox, polled through psutil) or on too many
processes, the whole process tree and its process group are killed. ``RLIMIT_AS`` is not
used: TensorFlow reserves far more address space than it uses. The sandbox dies with the
grader, even when the grader is killed by SIGKILL: it starts behind a guard that asks the
kernel for SIGKILL when its parent dies (:func:`~.jail.guard`), and the grader kills every
sandbox on Ctrl-C, SIGTERM and SIGHUP (:func:`kill_all`).

``predict`` runs no student code (allowlist and ``safe_mode``), so it runs in a *warm
worker* (:class:`Worker`), one per grading thread: a sandbox that imports Keras once and
forks a fresh child per submission before any TensorFlow operation has run. The limits hold
per submission (the timeout from the moment the job is handed over; memory and processes
of the whole sandbox); when one is broken the whole worker is killed and the next
submission starts a new one. ``notebook`` (``--execute``) gets a fresh sandbox per notebook.

Where ``unshare`` works (Linux with unprivileged user namespaces), the sandbox also gets:

- a user, network, mount and PID namespace: no network at all (not even the host's
  loopback), no view of the grader's processes, and every process of the sandbox dies with it;
- a read-only view of every file system except its work folder;
- the folders (or files) named in ``hide`` covered by an empty ``tmpfs`` (or ``/dev/null``),
  so even an absolute path to the private evaluation set cannot be opened;
- a second, nested user namespace, so these mounts are locked: the student code cannot
  unmount them.

Elsewhere it falls back to a plain child process (same limits, counted through psutil:
PSS on Linux, USS on macOS, else RSS; no namespaces); the grader says so in its output. The
sandbox returns files only (``result.json`` and predictions): the labels never enter it, and
the grader reads what it wrote as untrusted data.
"""

from course_utils.grading.sandbox.jail import (
    EXIT_SETUP_FAILED,
    Isolation,
    Limits,
    Outcome,
    Worker,
    Workers,
    kill_all,
    probe,
    process_tree,
    read_result,
    read_untrusted,
    run,
)

__all__ = ["EXIT_SETUP_FAILED", "Isolation", "Limits", "Outcome", "Worker", "Workers",
           "kill_all", "probe", "process_tree", "read_result", "read_untrusted", "run"]
