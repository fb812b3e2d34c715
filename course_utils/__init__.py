"""Helpers for the hands-on CNN course: datasets, convolution, plots, exercises, build."""

__version__ = "0.1.0"
