"""TensorFlow's start-up noise is hidden on a machine without a GPU; real errors are not."""

import os
import subprocess
import sys
import textwrap

import pytest

from course_utils import build, quiet

pytestmark = pytest.mark.slow  # among the longest test files: conftest.py runs them first

NOISE_LINES = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796186166.178409   14765 cudart_stub.cc:31] Could not find cuda drivers on "
    "your machine, GPU will not be used.",
    "I0000 00:00:1796186166.371967   14765 cpu_feature_guard.cc:227] This TensorFlow binary is "
    "optimized to use available CPU instructions in performance-critical operations.",
    "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow "
    "with the appropriate compiler flags.",
    "I0000 00:00:17.1 port.cc:153] oneDNN custom operations are on. You may see slightly "
    "different numerical results due to floating-point round-off errors from different "
    "computation orders. To turn them off, set the environment variable "
    "`TF_ENABLE_ONEDNN_OPTS=0`.",
    "E0000 00:00:1796186205.520083   14765 cuda_platform.cc:52] failed call to cuInit: "
    "INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)",
]

SIGNS_OF_NOISE = ["oneDNN", "cuda drivers", "cpu_feature_guard", "cuInit", "absl::InitializeLog"]

no_gpu_only = pytest.mark.skipif(quiet.gpu_present(), reason="the filter only acts without a GPU")


@pytest.mark.parametrize("line", NOISE_LINES)
def test_each_start_up_line_is_noise(line):
    assert quiet.drop_noise(line + "\n") == ""


@pytest.mark.parametrize(
    "line",
    [
        "E0000 00:00:1.0 op_kernel.cc:1] OOM when allocating tensor with shape[1024,1024]",
        "Traceback (most recent call last):",
        "ImportError: libcudnn.so.9: cannot open shared object file",
        "W0000 00:00:1.0 loader.cc:5] Could not load dynamic library 'libnvinfer.so.8'",
    ],
)
def test_real_errors_and_warnings_are_kept(line):
    text = NOISE_LINES[0] + "\n" + line + "\n" + NOISE_LINES[-1] + "\n"
    assert quiet.drop_noise(text) == line + "\n"


def _run(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python whose environment does not quiet TensorFlow itself."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )


def test_filter_passes_other_writes_to_file_descriptor_2_through():
    result = _run(
        textwrap.dedent(
            """\
            import os
            from course_utils.quiet import _stderr_filtered
            with _stderr_filtered():
                os.write(2, b"failed call to cuInit: UNKNOWN ERROR (303)\\n")
                os.write(2, b"a real error from C++\\n")
            """
        )
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "a real error from C++\n"


def test_an_exception_inside_the_filter_still_restores_stderr():
    result = _run(
        textwrap.dedent(
            """\
            import os
            from course_utils.quiet import _stderr_filtered
            try:
                with _stderr_filtered():
                    raise ImportError("broken install")
            except ImportError:
                os.write(2, b"stderr is back\\n")
            """
        )
    )
    assert result.stderr == "stderr is back\n"


@no_gpu_only
def test_setup_cell_imports_tensorflow_without_start_up_noise():
    plain = _run("import tensorflow as tf\ntf.config.list_physical_devices()")
    assert any(sign in plain.stderr for sign in SIGNS_OF_NOISE), (
        "TensorFlow printed no start-up noise here, so this test could not fail: "
        + plain.stderr
    )
    result = _run(build.colab_install_code() + "\nassert 'tensorflow' in sys.modules")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    for sign in SIGNS_OF_NOISE:
        assert sign not in result.stderr, result.stderr
