"""Every status the grader writes, with its English and Portuguese wording: one home.

:class:`Status` is the gradebook's ``status`` column (the model), :class:`NotebookStatus`
its ``notebook`` column (``--execute``) and :class:`ExperimentsStatus` its ``experiments``
column. Each member is its column value (a ``str``), and carries ``english`` (the
instructor's manual and summary) and ``portuguese`` (the student's feedback).
"""

from __future__ import annotations

from enum import Enum

from course_utils.challenge import EXPERIMENTS_FILE, MODEL_FILE


class _Worded(str, Enum):
    """A column value with its English and Portuguese wording."""

    english: str
    portuguese: str

    def __new__(cls, value: str, english: str, portuguese: str) -> _Worded:
        member = str.__new__(cls, value)
        member._value_ = value
        member.english, member.portuguese = english, portuguese
        return member

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """Every column value, in order."""
        return tuple(member.value for member in cls)


class Status(_Worded):
    """The gradebook's ``status`` column: what became of the submission's model."""

    OK = ("ok", "the model was loaded and scored", "modelo carregado e avaliado")
    MISSING_FILES = ("missing_files", f"no {MODEL_FILE} in the submission",
                     f"não encontrei o arquivo {MODEL_FILE} na entrega")
    INVALID_ARCHIVE = (
        "invalid_archive", "not a folder or a readable .zip, unsafe paths or links, too large",
        "a entrega não pôde ser aberta (zip corrompido, caminhos inseguros, links ou tamanho "
        "excessivo)")
    INVALID_MODEL = (
        "invalid_model", f"{MODEL_FILE} is not a Keras model file that loads",
        f"{MODEL_FILE} não é um modelo Keras que carrega (salve com model.save('model.keras'))")
    REJECTED_MODEL = (
        "rejected_model",
        f"{MODEL_FILE} uses layers outside the allowlist (Lambda, custom classes, unknown "
        "modules) or holds what model.save never writes: refused before loading",
        "o arquivo do modelo foi recusado antes de carregar: camadas fora da lista permitida "
        "(Lambda ou classes próprias) ou algo que model.save não grava (caminhos de arquivo, "
        "links, arquivos extras); use só camadas prontas do Keras e salve com "
        "model.save('model.keras')")
    TIMEOUT = ("timeout", "loading and predicting took longer than --timeout",
               "o modelo demorou demais para carregar e classificar as imagens")
    OUT_OF_MEMORY = ("out_of_memory", "the sandbox used more than --memory-mb",
                     "o modelo usou memória demais")
    CRASHED = ("crashed", "the sandbox died without an answer, or the grader failed on this "
               "submission (see its message)", "o processo do modelo terminou sem resposta")
    WRONG_PREDICTIONS = (
        "wrong_predictions",
        "wrong input/output shapes, or predictions that are not one class per image",
        "as previsões não têm o formato esperado (entrada (28, 28, 1), saída com 10 classes)")


class NotebookStatus(_Worded):
    """The gradebook's ``notebook`` column (empty: not executed, no ``--execute``)."""

    NOT_RUN = ("", "not executed (no --execute)", "não executado nesta correção")
    RAN = ("ran", "ran top to bottom", "rodou de cima a baixo")
    FAILED = ("failed", "a cell raised an error", "parou com um erro")
    TIMEOUT = ("timeout", "took longer than --notebook-timeout", "passou do tempo limite")
    OUT_OF_MEMORY = ("out_of_memory", "used more than --memory-mb", "usou memória demais")
    CRASHED = ("crashed", "the kernel or the sandbox died", "o kernel morreu")
    MISSING = ("missing", "no .ipynb in the submission",
               "nenhum notebook (.ipynb) na entrega")


class ExperimentsStatus(_Worded):
    """The gradebook's ``experiments`` column: ``experiments.json`` checked."""

    VALID = ("valid", f"{EXPERIMENTS_FILE} follows the format", "válidos")
    INVALID = ("invalid", f"{EXPERIMENTS_FILE} breaks the format (see the message)",
               "inválidos")
    MISSING = ("missing", f"no {EXPERIMENTS_FILE}", f"{EXPERIMENTS_FILE} não encontrado")
