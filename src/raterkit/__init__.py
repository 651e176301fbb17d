"""raterkit: performance frameworks as a searchable site, calibration quizzes and workshop notebooks."""

__version__ = "0.1.0"
