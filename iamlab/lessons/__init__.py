"""Lessons: YAML files in lessons/ (docs/lesson-format.md), checked, loaded, and graded.

schema/        the format's keys and types: YAML nodes -> plain data + problems with places
references.py  names used by checks and solutions exist in the setup or earlier steps
loader.py      one file -> LessonFile (includes merged, setup tried, policies validated)
store.py       files -> LessonVersion rows (versioned; re-read in DEBUG when changed)
lesson.py      the parsed Lesson (steps, hints, checks, solution actions)
checks.py      every check kind, run against a sandbox, with a detail saying why
  checkrun.py        the grading run (caches: callers, authorizers, reports), Missing, sentence
  access_checks.py   can, cannot, allowed_actions (through the sandbox's authz.authorizer)
  entity_checks.py   existence, groups, policies, trust policies, boundaries, assumed
  config_checks.py   role settings (MaxSessionDuration, description), instance profiles
  audit_checks.py    keys, MFA, credential report, Access Analyzer, scorecard, validation
grader.py      grading and scores; applying and describing solution actions
selftest.py    setup fails a check, the reference solution passes them all
services.py    the public API the web app calls
models.py      LessonVersion, Attempt, Grade
"""
