"""The instructors' grader of the Fashion-MNIST challenge (lesson 07): ``course grade``.

A class's submissions (one folder or ``.zip`` per student, as an LMS exports them) are graded
against a **private evaluation set** (:func:`make_eval_set`): each model runs in its own
sandbox (:mod:`course_utils.sandbox`), which sees the images but never the labels; this
process alone compares the predictions with the labels. Every submission gets one row in the
gradebook CSV, written as soon as it is graded, and a ``feedback/<student>.md`` in Portuguese.

Statuses (column ``status``):

``ok``                 the model was loaded and scored
``missing_files``      no ``model.keras`` in the submission
``invalid_archive``    not a folder or a readable ``.zip``, unsafe paths or links, too large
``invalid_model``      ``model.keras`` is not a Keras model file that loads
``rejected_model``     ``model.keras`` uses layers outside the allowlist (``Lambda``, custom
                       classes, unknown modules): refused before loading
``timeout``            loading and predicting took longer than ``--timeout``
``out_of_memory``      the sandbox used more than ``--memory-mb``
``crashed``            the sandbox died without an answer
``wrong_predictions``  wrong input/output shapes, or predictions that are not one class per image

Experiments (``experiments.json``) and, with ``execute=True``, the notebook are graded
alongside (columns ``experiments`` and ``notebook``); the rubric turns all three into points.

The steps, one module each: :mod:`~.lms` (the LMS's download, one submission per student,
and the grades and feedback going back to it; one module per LMS),
:mod:`~.submissions` (a submission's files, unpacked safely), :mod:`~.evalset` (the private
evaluation set), :mod:`~.rubric` (points), :mod:`~.modelfile` (a model file refused before
loading), :mod:`~.runner` (one submission in its sandboxes, scored with the pixel scale it
expects), :mod:`~.batch` (a whole class on a pool of workers), :mod:`~.gradebook` (the
CSV, shards merged), :mod:`~.feedback` (the student's pt-BR feedback),
:mod:`~.similarity` (copied models, once the class is graded) and :mod:`~.report` (the
class report, one HTML page).
"""

from course_utils.grading.batch import Stopped, grade
from course_utils.grading.errors import GradingError, SubmissionError
from course_utils.grading.evalset import EVAL_NOISE, load_eval_set, make_eval_set
from course_utils.grading.feedback import feedback_text
from course_utils.grading.gradebook import (
    COLUMNS,
    NOTEBOOK_STATUSES,
    STATUSES,
    merge,
    read_gradebook,
    summary_table,
)
from course_utils.grading.lms import (
    LMS_NAMES,
    Class,
    Download,
    Filled,
    GradeFiles,
    Submission,
    check_grade_files,
    read_class,
    unpack,
    write_lms_files,
)
from course_utils.grading.modelfile import ALLOWED_LAYERS, ALLOWED_OBJECTS, check_model_file
from course_utils.grading.rubric import DEFAULT_RUBRIC, Rubric, load_rubric, parse_rubric
from course_utils.grading.runner import Context, grade_one
from course_utils.grading.submissions import MAX_BYTES, MAX_FILES, in_shard, parse_shard

__all__ = [
    "ALLOWED_LAYERS", "ALLOWED_OBJECTS", "COLUMNS", "Class", "Context", "DEFAULT_RUBRIC",
    "Download", "EVAL_NOISE", "Filled", "GradeFiles", "GradingError", "LMS_NAMES", "MAX_BYTES",
    "MAX_FILES", "NOTEBOOK_STATUSES", "Rubric", "STATUSES", "Stopped", "Submission",
    "SubmissionError", "check_grade_files", "check_model_file", "feedback_text", "grade",
    "grade_one", "in_shard", "load_eval_set", "load_rubric", "make_eval_set", "merge",
    "parse_rubric", "parse_shard", "read_class", "read_gradebook", "summary_table", "unpack",
    "write_lms_files",
]
