"""Template context shared by every page: the main navigation with the current section marked."""

from django.http import HttpRequest

# (label, URL prefix). The dashboard's link is "/" (the home page sends learners there).
MAIN_NAV = [
    ("Dashboard", "/dashboard/"),
    ("Lessons", "/lessons/"),
    ("Sandbox", "/sandbox/"),
    ("Simulator", "/simulator/"),
    ("Quiz", "/quiz/"),
]


def navigation(request: HttpRequest) -> dict:
    path = request.path
    items = []
    for label, prefix in MAIN_NAV:
        if prefix == "/dashboard/":
            href = "/"
            current = path.startswith("/dashboard/")
        else:
            href = prefix
            current = path.startswith(prefix)
        items.append({"label": label, "href": href, "current": current})
    return {"main_nav": items}
