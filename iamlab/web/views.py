from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What iamlab is, for visitors; signed-in learners go straight to their dashboard."""
    if request.user.is_authenticated:
        return redirect("/dashboard/")
    return render(request, "web/home.html")
