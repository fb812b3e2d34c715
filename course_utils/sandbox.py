"""Run untrusted student code in a separate, limited process: the grader's sandbox.

The grader (:mod:`course_utils.grading`) copies a submission into a fresh work folder with
the *unlabelled* images (``x.npy``) and calls :func:`run` with a task:

``predict``
    Load ``model.keras`` (``safe_mode=True, compile=False``), check its shapes, and write the
    predicted class of every image under every pixel scale of
    :data:`course_utils.challenge.PIXEL_SCALES`: ``predictions.npy`` for the evaluation
    images, ``public_predictions.npy`` for the public images (``public.npy``) on which the
    grader chooses the scale.
``notebook``
    Execute the student's notebook with nbclient in fast mode (``COURSE_FAST=1``).
``probe``
    Report which protections hold (used once per grading run).

The task runs in a child process started with ``start_new_session=True``; on timeout, on too
much memory (the PSS of every process of the sandbox, polled) or on too many processes, the
whole process tree and its process group are killed. ``RLIMIT_AS`` is not used: TensorFlow
reserves far more address space than it uses. The child dies with the grader, even when the
grader is killed by SIGKILL: it starts behind a guard that asks the kernel for SIGKILL when its
parent dies (:func:`_guard`), and the grader kills every sandbox on Ctrl-C, SIGTERM and SIGHUP
(:func:`kill_all`).

Where ``unshare`` works (Linux with unprivileged user namespaces), the child also gets:

- a user, network, mount and PID namespace: no network at all (not even the host's
  loopback), no view of the grader's processes, and every process of the sandbox dies with it;
- a read-only view of every file system except its work folder;
- the folders (or files) named in ``hide`` covered by an empty ``tmpfs`` (or ``/dev/null``),
  so even an absolute path to the private evaluation set cannot be opened;
- a second, nested user namespace, so these mounts are locked: the student code cannot
  unmount them.

Elsewhere it falls back to a plain child process (same limits, no namespaces); the grader
says so in its output. The sandbox returns files only (``result.json`` and predictions): the
labels never enter it, and the grader reads what it wrote as untrusted data.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULT_FILE = "result.json"
"""What the task writes in its work folder: ``{"status": ..., "message": ...}``."""

IMAGES_FILE = "x.npy"
"""The unlabelled images (uint8, ``(N, 28, 28)``) copied into the work folder."""

PUBLIC_IMAGES_FILE = "public.npy"
"""Public images (uint8, ``(M, 28, 28)``, Fashion-MNIST training split) for the pixel scale."""

PREDICTIONS_FILE = "predictions.npy"
"""The classes of ``x.npy`` predicted by the ``predict`` task: uint8 ``(scales, N)``, one row
per pixel scale, in the order of :data:`course_utils.challenge.PIXEL_SCALES`."""

PUBLIC_PREDICTIONS_FILE = "public_predictions.npy"
"""The classes of ``public.npy``, in the same layout as :data:`PREDICTIONS_FILE`."""

MAX_PROCESSES = 64
"""Processes a sandbox may have at once before it is killed (a fork loop)."""

POLL_SECONDS = 0.1
"""How often the watchdog looks at the sandbox's processes."""

EXIT_SETUP_FAILED = 97
"""Exit status of the sandbox when it could not set up its namespaces and mounts."""


@dataclass
class Limits:
    """What one sandboxed task may use."""

    timeout: float = 120.0
    memory_mb: int = 3072
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

    Always behind a guard that dies with the grader (:func:`_guard`): ``python -m
    course_utils.sandbox guard GRADER_PID -- COMMAND...``. With namespaces the command is
    ``unshare ... python -m course_utils.sandbox enter WORKDIR HIDE... -- python -m
    course_utils.sandbox TASK ARGS...``.
    """
    worker = [sys.executable, "-I", "-m", "course_utils.sandbox"]
    guard = [*worker, "guard", str(os.getpid()), "--"]
    inner = [*worker, task, *args]
    if not isolation.namespaces:
        return [*guard, *inner]
    hide = [str(path) for path in isolation.hide]
    return [*guard, *_unshare_prefix(outer=True), *worker, "enter", str(workdir), *hide, "--",
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


def _limit_self() -> None:
    """No core files and no file over 1 GiB, for this process and all it starts."""
    _lower_limit(resource.RLIMIT_CORE, 0)
    _lower_limit(resource.RLIMIT_FSIZE, 1 << 30)


def _lower_limit(kind: int, value: int) -> None:
    """Set both limits of ``kind`` to ``value``, or to the hard limit if that is lower."""
    hard = resource.getrlimit(kind)[1]
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, value))


def _children(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc/<pid>/task/*/children, else a /proc scan)."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as f:
                found.extend(int(child) for child in f.read().split())
        except FileNotFoundError:
            return _children_by_scan(pid)
        except OSError:
            pass
    return found


def _children_by_scan(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry))
    return found


def process_tree(root: int) -> list[int]:
    """``root`` and all its living descendants (Linux ``/proc``; just ``[root]`` elsewhere)."""
    tree, todo = [], [root]
    while todo and len(tree) < 100_000:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(_children(pid))
    return tree


def _memory_mb(pid: int) -> float:
    """Memory of one process in MB: its PSS (shared pages split between the processes that
    share them, so forked children are not counted many times), else its RSS."""
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path, encoding="ascii", errors="replace") as f:
                for line in f:
                    if line.startswith(key):
                        return int(line.split()[1]) / 1024
        except (OSError, ValueError, IndexError):
            continue
    return 0.0


def kill_tree(process: subprocess.Popen) -> None:
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


def kill_all() -> None:
    """Kill every sandbox still running (after Ctrl-C, SIGTERM or SIGHUP)."""
    for process in list(_RUNNING):
        kill_tree(process)


def run(
    task: str,
    workdir: Path,
    args: list[str],
    limits: Limits,
    isolation: Isolation,
    stop: threading.Event | None = None,
) -> Outcome:
    """Run ``task`` in ``workdir`` under ``limits``; never raises for what the task does.

    The task's own answer is in ``workdir / RESULT_FILE``; read it with :func:`read_result`.
    Setting ``stop`` (Ctrl-C in the grader) kills the task: ``ended == "interrupted"``.
    """
    log_path = workdir.parent / f"{workdir.name}.log"
    start = time.monotonic()
    peak = 0.0
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            _command(task, workdir, args, isolation),
            cwd=workdir,
            env=_environment(workdir),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _RUNNING.add(process)
        ended = "exited"
        try:
            while process.poll() is None:
                tree = process_tree(process.pid)
                memory = sum(_memory_mb(pid) for pid in tree)
                peak = max(peak, memory)
                if stop is not None and stop.is_set():
                    ended = "interrupted"
                elif time.monotonic() - start > limits.timeout:
                    ended = "timeout"
                elif len(tree) > limits.max_processes:
                    ended = "too_many_processes"
                elif memory > limits.memory_mb:
                    ended = "out_of_memory"
                if ended != "exited":
                    break
                time.sleep(POLL_SECONDS)
        finally:
            kill_tree(process)  # also the grandchildren a finished task may have left
            _RUNNING.discard(process)
    seconds = time.monotonic() - start
    text = read_untrusted(log_path, 1 << 20).decode("utf-8", errors="replace")
    log_path.unlink(missing_ok=True)
    returncode = process.returncode if ended == "exited" else None
    return Outcome(ended, returncode, seconds, peak, log=text[-4000:])


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


def probe(hide: list[Path]) -> Isolation:
    """Find out whether the namespaced sandbox works here, with ``hide`` hidden in it."""
    isolation = Isolation(namespaces=True, hide=list(hide))
    if shutil.which("unshare") is None or not sys.platform.startswith("linux"):
        return Isolation(False, problems=["no unshare command (Linux only)"])
    workdir = Path(tempfile.mkdtemp(prefix="course-grade-probe-"))
    try:
        outcome = run("probe", workdir, [str(path) for path in hide], Limits(timeout=30),
                      isolation)
        result = read_result(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if outcome.ended != "exited" or result is None or result["status"] != "ok":
        reason = result["message"] if result else outcome.log.strip()[-300:] or outcome.ended
        return Isolation(False, problems=[f"unshare failed: {reason}"])
    return isolation


# ------------------------------------------------------------------- inside the sandbox


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


def _enter(workdir: Path, hide: list[str], command: list[str]) -> None:
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


def _guard(grader: int, command: list[str]) -> None:
    """Die with the grader, then ``exec`` ``command`` (which keeps the setting).

    The kernel sends SIGKILL to this process when the grader dies, however it dies (even
    by SIGKILL): with namespaces this process is ``unshare --kill-child``, whose death takes
    the whole PID namespace with it; without, it is the task, and a notebook's kernel exits
    by itself when its parent is gone (ipykernel polls ``JPY_PARENT_PID``). The signal is
    tied to the *thread* that started this process: the grader's worker thread, which waits
    for it. If the grader died before the setting took, :func:`os.getppid` is no longer it.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            sys.exit(f"sandbox guard: prctl failed (errno {ctypes.get_errno()})")
    if os.getppid() != grader:
        sys.exit("sandbox guard: the grader is gone")
    os.execvp(command[0], command)


def _write_result(status: str, message: str = "") -> None:
    Path(RESULT_FILE).write_text(json.dumps({"status": status, "message": message}))


def _probe(hide: list[str]) -> None:
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
    _write_result("failed" if problems else "ok", "; ".join(problems))


def _is_out_of_memory(error: BaseException) -> bool:
    text = f"{type(error).__name__} {error}"
    return isinstance(error, MemoryError) or "ResourceExhausted" in text or "OOM" in text


def _predict() -> None:
    """Load ``model.keras`` safely, check its shapes, predict ``x.npy`` and ``public.npy``
    under every pixel scale; write the classes."""
    import numpy as np

    from course_utils import challenge

    try:
        import keras

        model = keras.saving.load_model(challenge.MODEL_FILE, compile=False, safe_mode=True)
    except Exception as error:
        _write_result("invalid_model", f"{type(error).__name__}: {error}")
        return
    try:
        challenge.validate_model(model)
    except ValueError as error:
        _write_result("wrong_predictions", str(error))
        return
    outputs = {PREDICTIONS_FILE: IMAGES_FILE, PUBLIC_PREDICTIONS_FILE: PUBLIC_IMAGES_FILE}
    classes = {}
    try:
        for output, images in outputs.items():
            by_scale = challenge.classes_by_scale(model, np.load(images, allow_pickle=False))
            classes[output] = np.stack([by_scale[scale] for scale in challenge.PIXEL_SCALES])
    except ValueError as error:  # predict_classes: not one finite score per class
        _write_result("wrong_predictions", str(error))
        return
    except Exception as error:
        status = "out_of_memory" if _is_out_of_memory(error) else "crashed"
        _write_result(status, f"prediction failed: {type(error).__name__}: {error}")
        return
    for output, array in classes.items():
        np.save(output, array)
    _write_result("ok")


def _watch_kernel(manager: Any, running: threading.Event) -> None:
    """Answer ``crashed`` as soon as the kernel process dies during a cell (``os._exit``):
    nbclient itself may wait for the dead kernel's reply until the timeout."""
    while True:
        time.sleep(0.5)
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        if running.is_set() and process is not None and process.poll() is not None:
            _write_result("crashed", f"the kernel died (exit status {process.returncode})")
            os._exit(0)


def _notebook(name: str, timeout: float) -> None:
    """Execute notebook ``name`` top to bottom with nbclient; write whether it ran."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    try:
        notebook = nbformat.read(name, as_version=4)
    except Exception as error:
        _write_result("failed", f"cannot read the notebook: {type(error).__name__}: {error}")
        return
    manager = KernelManager(kernel_name="python3", transport="ipc")  # no TCP, even loopback
    running = threading.Event()  # set while a cell executes
    threading.Thread(target=_watch_kernel, args=(manager, running), daemon=True).start()
    client = NotebookClient(notebook, km=manager, timeout=timeout, kernel_name="python3",
                            allow_errors=False, record_timing=False,
                            on_cell_execute=lambda **_: running.set(),
                            on_cell_executed=lambda **_: running.clear())
    try:
        client.execute(cwd=os.getcwd())
    except CellTimeoutError as error:
        _write_result("timeout", str(error)[-500:])
    except DeadKernelError as error:
        _write_result("crashed", f"the kernel died: {str(error)[-500:]}")
    except CellExecutionError as error:
        _write_result("failed", f"a cell raised {error.ename}: {error.evalue}"[:1500])
    except Exception as error:
        _write_result("failed", f"{type(error).__name__}: {str(error)[-1000:]}")
    else:
        _write_result("ran")


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m course_utils.sandbox TASK ...``, run in the work folder.

    Tasks: ``guard GRADER_PID -- COMMAND...``, ``enter WORKDIR HIDE... -- COMMAND...``,
    ``probe HIDE...``, ``predict``,
    ``notebook NAME TIMEOUT``. Internal: the grader builds these command lines.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    task, args = (argv[0], argv[1:]) if argv else ("", [])
    _limit_self()
    if task == "guard" and args[1:2] == ["--"]:
        _guard(int(args[0]), args[2:])
    elif task == "enter" and "--" in args:
        split = args.index("--")
        _enter(Path(args[0]).resolve(), args[1:split], args[split + 1:])
    elif task == "probe":
        _probe(args)
    elif task == "predict" and not args:
        _predict()
    elif task == "notebook" and len(args) == 2:
        _notebook(args[0], float(args[1]))
    else:
        sys.exit(f"usage: python -m course_utils.sandbox guard|enter|probe|predict|notebook ..., "
                 f"got {argv}")


if __name__ == "__main__":
    main()
