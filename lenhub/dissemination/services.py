from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from lenhub.access.services import restricted_set_audience
from lenhub.dissemination.models import News

if TYPE_CHECKING:
    from lenhub.accounts.models import User


@transaction.atomic
def news_publish(
    *,
    title: str,
    body: str,
    audience: Iterable[str],
    tlp: str,
    author: User | None,
    summary: str = "",
    participants: Iterable[User] = (),
) -> News:
    news = News.objects.create(title=title, summary=summary, body=body, author=author, tlp=tlp)
    restricted_set_audience(item=news, audience=audience, tlp=tlp, actor=author)
    if participants:
        news.participants.add(*participants)
    return news
