"""Exercise definitions, one module per lesson: ``from course_utils.exercises.lesson01 import ex1``."""
