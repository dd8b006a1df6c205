"""Browser pages: parse, call a selector, render."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotations import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """List the projects the signed-in user is a member of."""
    projects = selectors.project_list_for_user(user=request.user)
    return render(request, "annotations/home.html", {"projects": projects})
