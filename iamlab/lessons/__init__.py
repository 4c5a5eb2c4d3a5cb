"""Lessons: the YAML lesson format, its checker, the grader and attempts."""
