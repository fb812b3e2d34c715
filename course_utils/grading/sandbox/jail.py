"""The jail: namespaces, mounts, the guard, the watchdog and the warm worker.

Nothing here knows what runs inside (that is :mod:`.tasks`): a *task* is a name that
``python -m course_utils.grading.sandbox TASK ARGS...`` runs in its work folder, and a
*warm worker* is the task ``serve`` that prepares once and runs each job in a fresh child.

Grader's side: :func:`run` (one task, one fresh process), :class:`Worker` (one warm worker),
:func:`probe`, :func:`kill_all`, :func:`read_untrusted`, :func:`read_result`.
Inside: :func:`guard`, :func:`enter`, :func:`serve` and :func:`probe_inside`, started by
the command lines built here.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ENTRY = "course_utils.grading.sandbox"
"""The module that ``python -m`` runs inside the sandbox (its ``__main__``)."""

RESULT_FILE = "result.json"
"""What a task writes in its work folder: ``{"status": ..., "message": ...}``."""

MAX_PROCESSES = 64
"""Processes a sandbox may have at once before it is killed (a fork loop)."""

POLL_SECONDS = 0.1
"""How often the watchdog looks at the sandbox's processes."""

EXIT_SETUP_FAILED = 97
"""Exit status of the sandbox when it could not set up its namespaces and mounts."""

START_SECONDS = 300.0
"""The least time a warm worker is given to start (Python, then TensorFlow's import: seconds
on a quiet machine, more than a minute on two loaded cores), whatever the job's timeout."""

READY, DONE = "ready", "done"
"""A warm worker's replies: ``ready`` once prepared, ``done EXITCODE`` after each job."""


@dataclass(frozen=True)
class Limits:
    """What one sandboxed task (or one job of a warm worker) may use."""

    timeout: float
    memory_mb: int
    max_processes: int = MAX_PROCESSES


@dataclass
class Outcome:
    """How a sandboxed task ended.

    ``ended`` is ``"exited"`` (look at ``returncode`` and the task's ``result.json``),
    ``"timeout"``, ``"out_of_memory"``, ``"too_many_processes"`` or ``"interrupted"``.
    """

    ended: str
    returncode: int | None
    seconds: float
    peak_memory_mb: float
    log: str = ""
    waited: float = 0.0
    """Seconds spent starting a warm worker before the job (not in ``seconds``)."""


@dataclass
class Isolation:
    """Which protections the sandbox has on this machine (see :func:`probe`)."""

    namespaces: bool
    hide: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line for the grader's output."""
        if self.namespaces:
            return (
                "sandbox: user/network/mount/PID namespaces, read-only file systems, "
                f"{len(self.hide)} private path(s) hidden"
            )
        return (
            "WARNING: sandbox without namespaces (" + "; ".join(self.problems) + "): the "
            "student code runs as a plain child process with time, memory and process limits, "
            "but CAN reach the network and read any file this user can, including the private "
            "evaluation set"
        )


# ------------------------------------------------------------------- the grader's side


def _unshare_prefix(outer: bool) -> list[str]:
    if outer:
        return ["unshare", "--user", "--map-root-user", "--net", "--mount", "--pid", "--fork",
                "--kill-child", "--mount-proc", "--"]
    return ["unshare", "--user", "--map-root-user", "--mount", "--"]


def _command(task: str, workdir: Path, args: list[str], isolation: Isolation) -> list[str]:
    """The command line that runs ``task`` in ``workdir``, inside namespaces when possible.

    Always behind a guard that dies with the grader (:func:`guard`): ``python -m ENTRY
    guard GRADER_PID -- COMMAND...``. With namespaces the command is ``unshare ... python
    -m ENTRY enter WORKDIR HIDE... -- python -m ENTRY TASK ARGS...``.
    """
    entry = [sys.executable, "-I", "-m", ENTRY]
    inner = [*entry, task, *args]
    guarded = [*entry, "guard", str(os.getpid()), "--"]
    if not isolation.namespaces:
        return [*guarded, *inner]
    hide = [str(path) for path in isolation.hide]
    return [*guarded, *_unshare_prefix(outer=True), *entry, "enter", str(workdir), *hide, "--",
            *inner]


_PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "COURSE_DATA_DIR", "KERAS_BACKEND",
               "OMP_NUM_THREADS", "SYSTEMROOT")


def _environment(workdir: Path) -> dict[str, str]:
    """A small environment (no tokens of the grader's), every writable place in ``workdir``."""
    env = {name: os.environ[name] for name in _PASSED_ENV if name in os.environ}
    home = workdir / "home"
    keras_home = os.environ.get("KERAS_HOME") or os.path.expanduser("~/.keras")
    env.update(
        HOME=str(home),
        TMPDIR=str(home),
        KERAS_HOME=keras_home,  # the datasets cache, read-only inside the sandbox
        JUPYTER_RUNTIME_DIR=str(home / "jupyter"),
        IPYTHONDIR=str(home / "ipython"),
        MPLCONFIGDIR=str(home / "matplotlib"),
        COURSE_FAST="1",
        TF_CPP_MIN_LOG_LEVEL="3",
        MPLBACKEND="Agg",
        PYTHONDONTWRITEBYTECODE="1",
        CUDA_VISIBLE_DEVICES="",
    )
    return env


def limit_self() -> None:
    """No core files and no file over 1 GiB, for this process and all it starts."""
    _lower_limit(resource.RLIMIT_CORE, 0)
    _lower_limit(resource.RLIMIT_FSIZE, 1 << 30)


def _lower_limit(kind: int, value: int) -> None:
    """Set both limits of ``kind`` to ``value``, or to the hard limit if that is lower."""
    hard = resource.getrlimit(kind)[1]
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, value))


def process_tree(root: int) -> list[int]:
    """``root`` and all its living descendants (psutil: Linux, macOS, BSD)."""
    try:
        children = psutil.Process(root).children(recursive=True)
    except psutil.Error:
        return [root]
    return [root, *(child.pid for child in children)]


def _memory_mb(pid: int) -> float:
    """Memory of one process in MB: its PSS (shared pages split between the processes that
    share them, so forked children are not counted many times), else its USS, else RSS."""
    try:
        process = psutil.Process(pid)
        try:
            info = process.memory_full_info()
            return getattr(info, "pss", info.uss) / 2**20
        except psutil.AccessDenied:
            return process.memory_info().rss / 2**20
    except psutil.Error:
        return 0.0


def _kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL the process, its descendants and its process group; then reap it."""
    for pid in reversed(process_tree(process.pid)):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


_RUNNING: set[subprocess.Popen] = set()
"""Every sandbox process started and not yet killed (tasks and warm workers)."""


def kill_all() -> None:
    """Kill every sandbox still running (after Ctrl-C, SIGTERM or SIGHUP)."""
    for process in list(_RUNNING):
        _kill_tree(process)


def _start(task: str, workdir: Path, args: list[str], isolation: Isolation, log: int,
           pipes: bool = False) -> subprocess.Popen:
    """Start ``task`` in ``workdir`` (output to file descriptor ``log``); register it."""
    process = subprocess.Popen(
        _command(task, workdir, args, isolation),
        cwd=workdir,
        env=_environment(workdir),
        stdin=subprocess.PIPE if pipes else subprocess.DEVNULL,
        stdout=subprocess.PIPE if pipes else log,
        stderr=log,
        start_new_session=True,
    )
    _RUNNING.add(process)
    return process


def _watch(process: subprocess.Popen, limits: Limits, stop: threading.Event | None,
           finished: Callable[[float], bool]) -> tuple[str, float]:
    """Poll ``process``'s tree until ``finished(wait)`` says so: ``("exited", peak MB)``, or
    why the watchdog stopped it (then kill it)."""
    start, peak = time.monotonic(), 0.0
    while not finished(POLL_SECONDS):
        tree = process_tree(process.pid)
        memory = sum(_memory_mb(pid) for pid in tree)
        peak = max(peak, memory)
        ended = ""
        if stop is not None and stop.is_set():
            ended = "interrupted"
        elif time.monotonic() - start > limits.timeout:
            ended = "timeout"
        elif len(tree) > limits.max_processes:
            ended = "too_many_processes"
        elif memory > limits.memory_mb:
            ended = "out_of_memory"
        if ended:
            return ended, peak
    return "exited", peak


def _read_log(path: Path) -> str:
    """The last 4000 characters of a log the sandbox wrote; the file is removed."""
    try:
        text = read_untrusted(path, 1 << 20).decode("utf-8", errors="replace")
    except (OSError, ValueError):
        text = ""
    path.unlink(missing_ok=True)
    return text[-4000:]


def run(
    task: str,
    workdir: Path,
    args: list[str],
    limits: Limits,
    isolation: Isolation,
    stop: threading.Event | None = None,
) -> Outcome:
    """Run ``task`` in ``workdir`` in a fresh process under ``limits``; never raises for what
    the task does.

    The task's own answer is in ``workdir / RESULT_FILE``; read it with :func:`read_result`.
    Setting ``stop`` (Ctrl-C in the grader) kills the task: ``ended == "interrupted"``.
    """
    log_path = workdir.parent / f"{workdir.name}.log"
    start = time.monotonic()
    with open(log_path, "wb") as log:
        process = _start(task, workdir, args, isolation, log.fileno())

        def finished(wait: float) -> bool:
            try:
                process.wait(wait)
            except subprocess.TimeoutExpired:
                return False
            return True

        try:
            ended, peak = _watch(process, limits, stop, finished)
        finally:
            _kill_tree(process)  # also the grandchildren a finished task may have left
            _RUNNING.discard(process)
    returncode = process.returncode if ended == "exited" else None
    return Outcome(ended, returncode, time.monotonic() - start, peak, _read_log(log_path))


class Worker:
    """A warm sandbox: one process, started once, that prepares (``serve TASK``: imports
    what TASK needs) and then runs each job in a fresh child forked for it.

    Each job is a folder made with :meth:`new_job`; :meth:`run` runs TASK in it under the
    limits of one task (timeout, memory and processes of the whole sandbox, watched from
    here). When the watchdog stops a job, the whole worker is killed; the next job starts a
    fresh one. The guard ties the worker's life to the *thread* that started it: use one
    worker per grading thread, and :meth:`close` it when done.
    """

    def __init__(self, task: str, workroot: Path, isolation: Isolation) -> None:
        self.task, self.isolation = task, isolation
        self.root = Path(tempfile.mkdtemp(prefix="worker-", dir=workroot))
        (self.root / "home").mkdir()
        self._log_path = self.root.parent / f"{self.root.name}.log"
        self._process: subprocess.Popen | None = None
        self._pending = b""

    def new_job(self, prefix: str) -> Path:
        """A new, empty job folder that this worker can see and write."""
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.root))

    def run(self, job: Path, limits: Limits, stop: threading.Event | None = None) -> Outcome:
        """Run the task in ``job`` (from :meth:`new_job`); never raises for what it does.

        A worker that is not running yet is started first, under the same limits but with
        at least :data:`START_SECONDS`; if that fails, its outcome is returned (with the
        worker's log)."""
        start = time.monotonic()
        if self._process is None:
            failed = self._start(limits, stop)
            if failed is not None:
                return failed
        waited, start = time.monotonic() - start, time.monotonic()
        process = self._process
        assert process is not None and process.stdin is not None
        try:
            process.stdin.write(f"{job}\n".encode())
            process.stdin.flush()
        except OSError:
            pass  # the worker is gone: the watchdog sees it at once
        reply: list[str] = []
        ended, peak = _watch(process, limits, stop, lambda wait: self._replied(wait, reply))
        log = _read_log(job.parent / f"{job.name}.log")
        returncode = _exit_code(reply[0]) if reply else process.returncode
        if ended != "exited" or not reply or returncode is None:
            log = (log + self.close()).strip()[-4000:]
        if ended != "exited":
            returncode = None
        return Outcome(ended, returncode, time.monotonic() - start, peak, log, waited)

    def _start(self, limits: Limits, stop: threading.Event | None) -> Outcome | None:
        """Start the worker and wait until it is prepared: ``None``, or why it failed."""
        start = time.monotonic()
        limits = dataclasses.replace(limits, timeout=max(limits.timeout, START_SECONDS))
        with open(self._log_path, "wb") as log:
            self._process = _start("serve", self.root, [self.task], self.isolation,
                                   log.fileno(), pipes=True)
        reply: list[str] = []
        ended, peak = _watch(self._process, limits, stop,
                             lambda wait: self._replied(wait, reply))
        if ended == "exited" and reply == [READY]:
            return None
        returncode = self._process.returncode
        log = self.close()
        return Outcome(ended, returncode if ended == "exited" else None,
                       time.monotonic() - start, peak, log)

    def _replied(self, wait: float, reply: list[str]) -> bool:
        """Whether the worker has replied (the line is put in ``reply``) or is gone,
        waiting at most ``wait`` seconds."""
        process = self._process
        assert process is not None and process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], wait)
        if not ready:
            return False
        data = os.read(process.stdout.fileno(), 4096)
        if not data:  # the worker closed its end: it is gone
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            return True
        self._pending += data
        if b"\n" not in self._pending:
            return len(self._pending) > 4096  # not a reply of ours: stop listening
        line, self._pending = self._pending.split(b"\n", 1)
        reply.append(line.decode("ascii", errors="replace")[:100])
        return True

    def close(self) -> str:
        """Kill the worker (a later :meth:`run` starts a new one); the end of its log."""
        if self._process is not None:
            _kill_tree(self._process)
            _RUNNING.discard(self._process)
            for pipe in (self._process.stdin, self._process.stdout):
                if pipe is not None:
                    pipe.close()
        self._process, self._pending = None, b""
        return _read_log(self._log_path) if self._log_path.exists() else ""


class Workers:
    """One warm :class:`Worker` of ``task`` per thread that asks (:meth:`mine`); each dies
    with its thread, and :meth:`close` kills them all."""

    def __init__(self, task: str, workroot: Path, isolation: Isolation) -> None:
        self.task, self.workroot, self.isolation = task, workroot, isolation
        self._local = threading.local()
        self._all: list[Worker] = []
        self._lock = threading.Lock()

    def mine(self) -> Worker:
        """The calling thread's worker (created, not yet started, on the first call)."""
        worker = getattr(self._local, "worker", None)
        if worker is None:
            worker = self._local.worker = Worker(self.task, self.workroot, self.isolation)
            with self._lock:
                self._all.append(worker)
        return worker

    def close(self) -> None:
        """Kill every worker."""
        with self._lock:
            for worker in self._all:
                worker.close()


def _exit_code(reply: str) -> int | None:
    """The job's exit code in a worker's ``done EXITCODE`` reply; ``None`` for any other."""
    word, _, code = reply.partition(" ")
    try:
        return int(code) if word == DONE else None
    except ValueError:
        return None


def read_untrusted(path: Path, max_bytes: int) -> bytes:
    """Bytes of a regular file the sandbox may have written: no symlinks, at most ``max_bytes``.

    Raises ``OSError`` (``FileNotFoundError`` when missing) or ``ValueError`` (too large).
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path.name} is not a regular file")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"{path.name} is larger than {max_bytes} bytes")
    return data


def read_result(workdir: Path) -> dict[str, str] | None:
    """The task's ``{"status", "message"}`` from ``result.json``, or ``None`` if unusable."""
    try:
        document = json.loads(read_untrusted(workdir / RESULT_FILE, 1 << 16))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("status"), str):
        return None
    message = document.get("message", "")
    return {"status": document["status"][:40], "message": str(message)[:2000]}


PROBE_LIMITS = Limits(timeout=30, memory_mb=1024)
"""The probe starts Python only: 30 s and 1 GB are plenty."""


def probe(hide: list[Path]) -> Isolation:
    """Find out whether the namespaced sandbox works here, with ``hide`` hidden in it."""
    isolation = Isolation(namespaces=True, hide=list(hide))
    if shutil.which("unshare") is None or not sys.platform.startswith("linux"):
        return Isolation(False, problems=["no unshare command (Linux only)"])
    workdir = Path(tempfile.mkdtemp(prefix="course-grade-probe-"))
    try:
        outcome = run("probe", workdir, [str(path) for path in hide], PROBE_LIMITS, isolation)
        result = read_result(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if outcome.ended != "exited" or result is None or result["status"] != "ok":
        reason = result["message"] if result else outcome.log.strip()[-300:] or outcome.ended
        return Isolation(False, problems=[f"unshare failed: {reason}"])
    return isolation


# ------------------------------------------------------------------- inside the sandbox


def write_result(status: str, message: str = "") -> None:
    """The task's answer, in its work folder (the current directory)."""
    Path(RESULT_FILE).write_text(json.dumps({"status": status, "message": message}))


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def _mount_points() -> list[str]:
    """Every mount point of this mount namespace, from /proc/self/mountinfo."""
    points = []
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            raw = line.split()[4]
            points.append(raw.encode("latin-1", "surrogateescape").decode("unicode_escape"))
    return points


def enter(workdir: Path, hide: list[str], command: list[str]) -> None:
    """As root of a new user+mount namespace: hide, make read-only, lock, then ``exec``."""
    try:
        _mount("--bind", str(workdir), str(workdir))
        for path in hide:
            if os.path.isdir(path):
                _mount("-t", "tmpfs", "-o", "size=4k,mode=000", "tmpfs", path)
            elif os.path.exists(path):
                _mount("--bind", "/dev/null", path)
        keep = ("/proc", "/sys", "/dev")
        for point in _mount_points():
            if point == str(workdir) or point in keep or point.startswith(("/proc/", "/sys/")):
                continue
            if point.startswith("/dev/") and point != "/dev/shm":
                continue
            subprocess.run(["mount", "-o", "remount,bind,ro", point],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        sys.stderr.write(f"sandbox setup failed: {error} {detail.decode(errors='replace')}\n")
        sys.exit(EXIT_SETUP_FAILED)
    os.chdir(workdir)  # the bind mount, not the read-only folder underneath
    # Set before the nested namespace is made, RLIMIT_NPROC counts this sandbox's processes
    # only (Linux never applies it to a real root user: there the watchdog's count works).
    _lower_limit(resource.RLIMIT_NPROC, 4096)
    # A nested user namespace locks the mounts above: the student code cannot unmount them.
    os.execvp("unshare", [*_unshare_prefix(outer=False), *command])


PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal this process gets when its parent dies (Linux)."""


def _die_with_parent() -> None:
    """Ask the kernel for SIGKILL when the parent (thread) of this process dies (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            sys.exit(f"sandbox: prctl failed (errno {ctypes.get_errno()})")


def guard(grader: int, command: list[str]) -> None:
    """Die with the grader, then ``exec`` ``command`` (which keeps the setting).

    The kernel sends SIGKILL to this process when the grader dies, however it dies (even
    by SIGKILL): with namespaces this process is ``unshare --kill-child``, whose death takes
    the whole PID namespace with it; without, it is the task, and a notebook's kernel exits
    by itself when its parent is gone (ipykernel polls ``JPY_PARENT_PID``), a warm worker's
    job child dies with its worker (:func:`serve`). The signal is tied to the *thread* that
    started this process: the grader's worker thread, which waits for it. If the grader
    died before the setting took, :func:`os.getppid` is no longer it.
    """
    _die_with_parent()
    if os.getppid() != grader:
        sys.exit("sandbox guard: the grader is gone")
    os.execvp(command[0], command)


def serve(prepare: Callable[[], None], job: Callable[[], None]) -> None:
    """A warm worker's loop: ``prepare()`` once, say ``ready``, then for each job folder
    read on stdin run ``job()`` in a fresh child forked for it, and say ``done EXITCODE``.

    Fork before anything starts threads that a child could not inherit (for TensorFlow:
    import it, run no operation): each child then starts from the same clean, prepared
    state, and whatever a job leaves running is killed before the next one starts (this
    process adopts the orphans). Replies go to the original stdout; everything printed goes
    to stderr (the worker's log), a job's to ``JOB.log``.
    """
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    _adopt_orphans()
    prepare()
    replies.write(READY + "\n")
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        folder = Path(line.rstrip("\n"))
        pid = os.fork()
        if pid == 0:
            _run_job(folder, job)
        _, status = os.waitpid(pid, 0)
        _kill_leftovers()
        replies.write(f"{DONE} {os.waitstatus_to_exitcode(status)}\n")


PR_SET_CHILD_SUBREAPER = 36
"""``prctl`` option: orphaned descendants are re-parented to this process (Linux)."""


def _adopt_orphans() -> None:
    """Make this process the parent of its descendants' orphans (Linux; in a PID namespace
    it is already, as its init), so :func:`_kill_leftovers` finds every one of them."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _kill_leftovers() -> None:
    """Kill and reap whatever a finished job left running: the next job starts clean."""
    leftovers = psutil.Process().children(recursive=True)
    for process in leftovers:
        try:
            process.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(leftovers, timeout=5)


def _run_job(folder: Path, job: Callable[[], None]) -> None:
    """In the forked child: log to ``JOB.log``, work in ``folder``, run ``job``, exit."""
    code = 1
    try:
        _die_with_parent()
        log = os.open(folder.parent / f"{folder.name}.log",
                      os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        for target in (1, 2):
            os.dup2(log, target)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.chdir(folder)
        os.environ.update(HOME=str(folder / "home"), TMPDIR=str(folder / "home"))
        job()
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(code)


def probe_inside(hide: list[str]) -> None:
    """Check, from inside, that hidden paths, the network and the file systems are closed."""
    import socket

    problems = []
    for path in hide:
        try:
            with open(path, "rb") as f:
                if f.read(1):
                    problems.append(f"{path} is readable")
        except IsADirectoryError:
            if os.listdir(path):
                problems.append(f"{path} is listable")
        except OSError:
            pass
        unmount = subprocess.run(["umount", path], capture_output=True)
        if unmount.returncode == 0:
            problems.append(f"{path} can be unmounted")
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=1).close()
        problems.append("the network is reachable")
    except OSError as error:
        if "refused" in str(error).lower():
            problems.append("the loopback network is reachable")
    try:
        Path(sys.executable).with_name(".course-sandbox-write-test").touch()
        problems.append("the Python installation is writable")
    except OSError:
        pass
    write_result("failed" if problems else "ok", "; ".join(problems))
