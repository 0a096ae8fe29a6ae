"""The picture of the landscape: public, like the directory it is drawn from."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lenhub.networks.landscape_picture import landscape_picture, landscape_text


def landscape(request: HttpRequest) -> HttpResponse:
    picture = landscape_picture()
    context = {"picture": picture, "text": landscape_text(picture)}
    return render(request, "networks/landscape.html", context)
