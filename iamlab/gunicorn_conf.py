"""gunicorn settings for `make serve` (`-c python:iamlab.gunicorn_conf`).

Each worker reads the quiz bank and the lessons as it starts, not on a learner's first request:
at the start of a class, fifty first requests must not each wait for it.
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
accesslog = "-"
max_requests = 2000
max_requests_jitter = 200


def post_worker_init(worker) -> None:  # noqa: ANN001 - gunicorn's hook signature
    from iamlab.quizzes.bank import get_bank

    get_bank()
