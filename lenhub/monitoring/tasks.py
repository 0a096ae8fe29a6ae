"""Background tasks (django-tasks): the daily scan, for installations that run it on
the task worker (``lenhub db_worker``) rather than straight from cron."""

from __future__ import annotations

from django_tasks import task

from lenhub.monitoring.services import DEFAULT_DAYS, monitoring_scan


@task()
def monitoring_scan_task(days: int = DEFAULT_DAYS) -> dict[str, int]:
    return monitoring_scan(days=days)
