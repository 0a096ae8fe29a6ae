"""Acts in the technical admin site are security-relevant: audit each one."""

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_save
from django.dispatch import receiver

from lenhub.audit.services import audit_log


@receiver(post_save, sender=LogEntry)
def on_admin_act(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    if not created:
        return
    content_type = (
        ContentType.objects.get_for_id(instance.content_type_id)
        if instance.content_type_id
        else None
    )
    kind = f"{content_type.app_label}.{content_type.model}" if content_type else ""
    audit_log(
        action="admin." + {1: "added", 2: "changed", 3: "deleted"}.get(instance.action_flag, "act"),
        actor_id=instance.user_id,
        target=f"{kind}:{instance.object_id}",
    )
