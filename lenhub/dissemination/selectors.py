from django.db.models import QuerySet

from lenhub.access.policy import Viewer, access_item, filter_visible
from lenhub.dissemination.models import News


def news_visible(*, viewer: Viewer) -> QuerySet[News]:
    return filter_visible(viewer, News.objects.all())


def news_get(*, viewer: Viewer, pk: object) -> News:
    return access_item(viewer, News.objects.all(), pk)
