from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lenhub.access.policy import record_read, viewer_for_request
from lenhub.dissemination.selectors import news_get, news_visible


def news_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_for_request(request)
    items = news_visible(viewer=viewer).prefetch_related("audience_keys")[:50]
    return render(request, "dissemination/news_list.html", {"items": items})


def news_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_for_request(request)
    item = news_get(viewer=viewer, pk=pk)
    record_read(viewer, item, request=request)
    return render(request, "dissemination/news_detail.html", {"item": item})
