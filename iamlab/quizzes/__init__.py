"""Exam practice: the question bank, generated questions, quiz modes and spaced repetition."""
