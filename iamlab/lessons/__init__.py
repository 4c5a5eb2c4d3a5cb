"""Lessons: YAML files in lessons/ (docs/lesson-format.md), checked, loaded, and graded.

schema.py      the format's keys and types: YAML nodes -> plain data + problems with places
references.py  names used by checks and solutions exist in the setup or earlier steps
loader.py      one file -> LessonFile (includes merged, setup tried, policies validated)
store.py       files -> LessonVersion rows (versioned; re-read in DEBUG when changed)
lesson.py      the parsed Lesson (steps, hints, checks, solution actions)
checks.py      every check kind, run against a sandbox, with a detail saying why
grader.py      grading and scores; applying and describing solution actions
selftest.py    setup fails a check, the reference solution passes them all
services.py    the public API the web app calls
models.py      LessonVersion, Attempt, Grade
"""
