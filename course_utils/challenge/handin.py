"""The student's side of the hand-in: the running notebook, the files saved, the download.

:func:`save_submission` validates everything with :mod:`.contract`, writes ``model.keras``,
``experiments.json`` and the notebook (each with :func:`~course_utils._atomic.write_atomic`,
so a failed save leaves no half-written file) and zips them into ``entrega_<student_id>.zip``;
in Colab the browser downloads it. The format is stated in ``docs/submission-format.md``.
Every message is in Portuguese: the student reads it.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from course_utils._atomic import write_atomic
from course_utils._slug import slug
from course_utils.challenge.contract import (
    EXPERIMENTS_FILE,
    FORMAT_VERSION,
    MODEL_FILE,
    archive_path,
    load_model,
    notebooks_in,
    validate_experiments,
    validate_model,
    validate_student_id,
)

NOTEBOOK_FALLBACK = "07_desafio_fashion_mnist.ipynb"
"""Name given to the notebook when its environment does not tell its file name."""


def _safe_notebook_name(name: str) -> str:
    """``name`` as a plain ASCII file name ending in ``.ipynb`` ("Cópia de x" → "Copia_de_x")."""
    stem = slug(Path(name).name.removesuffix(".ipynb")).strip("_")
    return f"{stem or Path(NOTEBOOK_FALLBACK).stem}.ipynb"


def _notebook_bytes(data: bytes, where: str) -> bytes:
    """``data`` if it is a Jupyter notebook (JSON with ``cells``), else ``ValueError``."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{where} não é um notebook (JSON inválido: {error})") from error
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise ValueError(f"{where} não é um notebook Jupyter (não tem a lista 'cells')")
    return data


def _colab_notebook() -> tuple[str, bytes]:
    """The notebook as Colab's page holds it (Colab's own export, ``get_ipynb``)."""
    from google.colab import _message  # type: ignore[import-not-found]

    reply = _message.blocking_request("get_ipynb", request="", timeout_sec=60)
    if not isinstance(reply, dict) or not isinstance(reply.get("ipynb"), dict):
        raise FileNotFoundError("o Colab não devolveu o conteúdo do notebook")
    notebook = reply["ipynb"]
    name = notebook.get("metadata", {}).get("colab", {}).get("name") or NOTEBOOK_FALLBACK
    data = json.dumps(notebook, ensure_ascii=False, indent=1).encode("utf-8")
    return _safe_notebook_name(name), _notebook_bytes(data, "o notebook do Colab")


def _notebook_file() -> Path | None:
    """The running notebook's file: VS Code's ``__vsc_ipynb_file__`` or ``JPY_SESSION_NAME``.

    Jupyter Server (JupyterLab, Notebook 7) puts the notebook's path, absolute or relative to
    the server's folder, in the kernel's ``JPY_SESSION_NAME``.
    """
    candidates = []
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None and shell.user_ns.get("__vsc_ipynb_file__"):
        candidates.append(Path(shell.user_ns["__vsc_ipynb_file__"]))
    session = os.environ.get("JPY_SESSION_NAME")
    if session:
        path = Path(session)
        candidates += [path] if path.is_absolute() else [Path.cwd() / path, Path.cwd() / path.name]
    return next((c for c in candidates if c.suffix == ".ipynb" and c.is_file()), None)


def current_notebook() -> tuple[str, bytes]:
    """The running notebook: ``(file name, contents of the .ipynb)``.

    In Colab, the notebook as the browser holds it; in JupyterLab, Notebook 7 and VS Code,
    the notebook's file **as last saved**. Raises ``FileNotFoundError`` (in Portuguese) when
    the environment does not say which notebook is running (a plain ``python``, nbconvert).
    """
    from course_utils import config

    if config.in_colab():
        return _colab_notebook()
    path = _notebook_file()
    if path is None:
        raise FileNotFoundError(
            "não descobri qual é o arquivo deste notebook (isso funciona no Colab, no "
            "JupyterLab, no Jupyter Notebook 7 e no VS Code)"
        )
    return _safe_notebook_name(path.name), _notebook_bytes(path.read_bytes(), str(path))


def _notebook_for_submission(notebook: str | os.PathLike | None) -> tuple[str, bytes]:
    if notebook is None:
        return current_notebook()
    path = Path(notebook)
    if not path.is_file():
        raise FileNotFoundError(f"o notebook {path} não existe")
    return _safe_notebook_name(path.name), _notebook_bytes(path.read_bytes(), str(path))


def _write_archive(archive: Path, folder: Path, names: list[str]) -> None:
    """Zip ``folder/name`` for each name, flat, into ``archive`` (atomically)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in names:
            zf.write(folder / name, arcname=name)
    write_atomic(archive, buffer.getvalue())


def _offer_download(archive: Path) -> None:
    """In Colab, start the browser's download of ``archive``; elsewhere say where it is."""
    from course_utils import config

    if not config.in_colab():
        print(f"Envie o arquivo {archive} no ambiente da disciplina (Moodle, Canvas, Classroom).")
        return
    try:
        from google.colab import files  # type: ignore[import-not-found]

        files.download(str(archive))
        print(f"O navegador vai baixar {archive.name}: envie esse arquivo no ambiente da "
              "disciplina (Moodle, Canvas, Classroom).")
    except Exception as error:  # a blocked pop-up, a closed tab: say how to get it by hand
        print(f"⚠️ O download automático falhou ({error}). Abra o painel Arquivos (ícone de "
              f"pasta, à esquerda), clique nos três pontos ao lado de {archive.name} e escolha "
              "Fazer download.")


def _keep_existing(folder: Path, archive: Path) -> Path:
    """An existing complete submission is left as it is (its archive made if missing)."""
    if not archive.exists():
        names = [MODEL_FILE, EXPERIMENTS_FILE, *notebooks_in(folder)]
        _write_archive(archive, folder, names)
    print(f"ℹ️ Já existe uma entrega em {folder} ({archive.name}): não mudei nada. Para "
          "substituí-la pelo modelo e pela tabela de agora, chame save_submission(..., "
          "overwrite=True).")
    return archive


def save_submission(
    model: Any,
    experiments: Any,
    student_id: str,
    out_dir: str | os.PathLike = "submissao",
    overwrite: bool = False,
    notebook: str | os.PathLike | None = None,
) -> Path:
    """Save the hand-in and return the archive to upload, ``entrega_<student_id>.zip``.

    Writes ``out_dir/model.keras``, ``out_dir/experiments.json`` and a copy of the running
    notebook (:func:`current_notebook`, or the file ``notebook``), then zips the three, flat,
    into :func:`~.contract.archive_path` (in ``out_dir`` too: nothing else is written outside
    it); in Colab the browser downloads it. The files are those of
    ``docs/submission-format.md``.
    Everything is validated first (:func:`~.contract.validate_model`,
    :func:`~.contract.validate_experiments`, :func:`~.contract.validate_student_id`;
    ``ValueError`` otherwise). The model is saved in a scratch folder and loaded back with
    ``safe_mode=True`` (the grader's way) before anything is written in ``out_dir``, and each
    file is written atomically, so a failed save leaves no file half-written.

    An existing submission is never replaced unless ``overwrite=True``: a complete one
    (model and experiments) is left untouched with a message, so re-running the notebook,
    as the grader does, changes nothing; a partial one raises ``FileExistsError``. A notebook
    that cannot be found is reported with what to do, and the rest is saved anyway.
    """
    student_id = validate_student_id(student_id)
    validate_model(model)
    runs = validate_experiments(experiments)
    document = {"student_id": student_id, "format": FORMAT_VERSION, "runs": runs}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    folder = Path(out_dir)
    archive = archive_path(folder, student_id)
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} existe e não é uma pasta")
    existing = [path for path in (folder / MODEL_FILE, folder / EXPERIMENTS_FILE, archive)
                if path.exists()]
    if existing and not overwrite:
        if (folder / MODEL_FILE).is_file() and (folder / EXPERIMENTS_FILE).is_file():
            return _keep_existing(folder, archive)
        raise FileExistsError(
            f"{', '.join(map(str, existing))} já existe(m), mas não há uma entrega completa em "
            f"{folder}; escolha outra pasta (out_dir) ou passe overwrite=True para substituir"
        )
    model_bytes = _model_bytes(model)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / MODEL_FILE, model_bytes)
    write_atomic(folder / EXPERIMENTS_FILE, text)
    names = [MODEL_FILE, EXPERIMENTS_FILE]
    try:
        name, data = _notebook_for_submission(notebook)
        write_atomic(folder / name, data)
        names.append(name)
    except (OSError, ValueError) as error:
        print(f"⚠️ A entrega vai sem o notebook: {error}. Salve o notebook e chame "
              "save_submission(..., notebook='caminho/do/notebook.ipynb', overwrite=True), "
              f"ou ponha uma cópia do .ipynb em {folder} e dentro de {archive.name}.")
    _write_archive(archive, folder, names)
    print(f"✅ Entrega salva: {archive} ({', '.join(names)}).")
    _offer_download(archive)
    return archive


def _model_bytes(model: Any) -> bytes:
    """``model`` saved as a ``.keras`` file, once it loads back as the grader loads it."""
    with tempfile.TemporaryDirectory(prefix="entrega-") as scratch:
        path = Path(scratch) / MODEL_FILE
        model.save(path)
        try:
            load_model(path)
        except Exception as error:
            raise ValueError(
                "o modelo salvo não carrega de volta com safe_mode=True (camadas Lambda e "
                f"classes próprias não são permitidas): {error}"
            ) from error
        return path.read_bytes()
