"""Who may see what: every sandbox lookup in the web app goes through here.

A learner sees only their own sandboxes. Anything else — another learner's sandbox, an
instructor's scenario template, a sandbox that does not exist — is a 404, so the app never
confirms that someone else's sandbox exists.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest

from iamlab.sandbox.models import Sandbox


class SignInRequired(Exception):
    """Raised for anonymous visitors; views turn it into a redirect to the sign-in page."""


def get_own_sandbox(request: HttpRequest, sandbox_id: int | str) -> Sandbox:
    """The signed-in learner's sandbox `sandbox_id`; Http404 if it is not theirs or not there.

    Views must be behind `login_required` (an anonymous visitor also gets a 404 here).
    """
    if not request.user.is_authenticated:
        raise Http404("No such sandbox.")
    try:
        return Sandbox.objects.get(pk=int(sandbox_id), owner=request.user)
    except (Sandbox.DoesNotExist, ValueError, TypeError):
        raise Http404("No such sandbox.") from None


def login_redirect(request: HttpRequest):
    """The response sending an anonymous visitor to sign in and back here afterwards."""
    return redirect_to_login(request.get_full_path())
