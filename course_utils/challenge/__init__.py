"""The Fashion-MNIST challenge's hand-in (lesson 07), one module per job.

The format (``model.keras``, ``experiments.json``, the notebook, ``entrega_<student_id>.zip``)
is stated once, in ``docs/submission-format.md``. Its code:

- :mod:`.contract`: file names, the schema's version and the checks of a student id, a model
  and the experiments (:func:`load_experiments`);
- :mod:`.scoring`: how a model is scored (pixel scales, :func:`predict_classes`,
  :func:`choose_pixel_scale`), the same for the student and the grader;
- :mod:`.archive`: the grader's rules for unpacking a submission (:class:`UnsafeArchive`);
- :mod:`.handin`: the running notebook and :func:`save_submission`;
- :mod:`.selfcheck`: :func:`self_check`, which opens, checks and scores as the grader does.

The names below are re-exported here, so ``from course_utils.challenge import ...`` works as
before the split. The instructors' grader (:mod:`course_utils.grading`) imports this package;
nothing here imports the grader.
"""

from __future__ import annotations

from course_utils.challenge.archive import MAX_BYTES, MAX_FILES, UnsafeArchive
from course_utils.challenge.contract import (
    ARCHIVE_TEMPLATE,
    EXPERIMENTS_FILE,
    FORMAT_VERSION,
    HYPERPARAMETERS,
    INPUT_SHAPES,
    MIN_RUNS,
    MODEL_FILE,
    OUTPUT_SHAPE,
    RUN_KEYS,
    STUDENT_ID_MAX,
    archive_path,
    load_experiments,
    load_model,
    real_number,
    unvaried_hyperparameters,
    validate_experiments,
    validate_model,
    validate_student_id,
)
from course_utils.challenge.handin import NOTEBOOK_FALLBACK, current_notebook, save_submission
from course_utils.challenge.scoring import (
    CHANCE_ACCURACY,
    DEFAULT_SCALE,
    PIXEL_SCALES,
    PUBLIC_SAMPLE_SIZE,
    SCALE_NAMES,
    choose_pixel_scale,
    classes_by_scale,
    model_accuracy,
    predict_classes,
    prepare_images,
    public_sample,
    scale_diagnosis,
)
from course_utils.challenge.selfcheck import self_check

__all__ = [
    "ARCHIVE_TEMPLATE", "CHANCE_ACCURACY", "DEFAULT_SCALE", "EXPERIMENTS_FILE",
    "FORMAT_VERSION", "HYPERPARAMETERS", "INPUT_SHAPES", "MAX_BYTES", "MAX_FILES", "MIN_RUNS",
    "MODEL_FILE", "NOTEBOOK_FALLBACK", "OUTPUT_SHAPE", "PIXEL_SCALES", "PUBLIC_SAMPLE_SIZE",
    "RUN_KEYS", "SCALE_NAMES", "STUDENT_ID_MAX", "UnsafeArchive", "archive_path",
    "choose_pixel_scale", "classes_by_scale", "current_notebook", "load_experiments",
    "load_model", "model_accuracy", "predict_classes", "prepare_images", "public_sample",
    "real_number", "save_submission", "scale_diagnosis", "self_check",
    "unvaried_hyperparameters", "validate_experiments", "validate_model", "validate_student_id",
]
