"""The shared lesson settings: one seed, one stratified split."""

import numpy as np
import pytest

from course_utils.lessons import SEED, reference_split, student_seed


def test_split_is_stratified_deterministic_and_sized():
    y = np.repeat(np.arange(10), 60)
    x = np.arange(len(y))
    x_tr, x_val, y_tr, y_val = reference_split(x, y, 1 / 6)
    assert len(y_val) == 100 and len(y_tr) == 500
    assert np.all(np.bincount(y_val) == 10)
    assert set(x_tr).isdisjoint(x_val)
    again = reference_split(x, y, 1 / 6)
    assert np.array_equal(again[1], x_val)
    other = reference_split(x, y, 1 / 6, seed=SEED + 1)
    assert not np.array_equal(other[1], x_val)


def test_tiny_sets_keep_one_image_per_class_in_validation():
    y = np.repeat(np.arange(3), 4)
    _, _, _, y_val = reference_split(np.arange(12), y, 0.1)
    assert sorted(y_val) == [0, 1, 2]


@pytest.mark.parametrize("fraction", [0, 1, -0.2, 1.5])
def test_bad_fraction_is_named(fraction):
    with pytest.raises(ValueError, match="fraction"):
        reference_split(np.arange(10), np.arange(10) % 2, fraction)


def test_student_seed_is_pinned_so_it_never_changes_between_runs_or_platforms():
    # SHA-256 based: a new Python process (PYTHONHASHSEED) or machine gives the same seed
    assert student_seed("maria.silva") == 361543826
    assert student_seed("gabarito") == 1609920271


def test_student_seeds_differ_between_students_and_fit_every_library():
    ids = [f"aluno{i:03d}" for i in range(200)] + ["Maria.Silva", "maria.silva"]
    seeds = [student_seed(student_id) for student_id in ids]
    assert len(set(seeds)) == len(ids)
    assert all(0 <= seed < 2**31 for seed in seeds)


@pytest.mark.parametrize("bad", ["", None, 42])
def test_student_seed_names_a_bad_id(bad):
    with pytest.raises(ValueError, match="student_id"):
        student_seed(bad)
