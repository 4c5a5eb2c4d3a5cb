"""Production settings for the local load test, which talks plain HTTP to gunicorn on loopback.

Everything is iamlab/settings.py as deployed (debug off, HSTS, CSP, axes, PBKDF2 passwords),
except the two cookie flags: a Secure cookie is never sent back over http://, so without this
no learner could stay signed in. Only tests/load/run.sh uses this module.
"""

from iamlab.settings import *  # noqa: F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
