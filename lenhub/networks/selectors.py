from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from lenhub.networks.models import GroupMembership, MembershipStatus, NetworkMembership


def membership_ids(*, user: Any) -> tuple[set[int], set[int]]:
    """Networks the person is a current member of, and groups whose parent network
    membership is current (group access requires it, DESIGN §2)."""
    now = timezone.now()
    network_ids = set(
        NetworkMembership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("network_id", flat=True)
    )
    group_ids = set(
        GroupMembership.objects.filter(user=user, group__network_id__in=network_ids).values_list(
            "group_id", flat=True
        )
    )
    return network_ids, group_ids
