"""A short-lived in-process cache of instances, for the webhook hot path.

Every webhook names its instance; fetching and decrypting it each time cost
more than the rest of the acknowledgement. Entries live a few seconds and are
dropped at once when this process saves or deletes the instance.
"""

import time

from asgiref.sync import sync_to_async
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ponte.accounts.models import Instance

TTL_SECONDS = 5.0
_cache: dict[str, tuple[float, Instance | None]] = {}


def _load(instance_id: str) -> Instance | None:
    instance = Instance.objects.filter(pk=instance_id).first()
    if instance is not None:
        instance.webhook_token  # noqa: B018 - decrypt once, while cached
    return instance


async def webhook_instance(instance_id) -> Instance | None:
    key = str(instance_id)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    instance = await sync_to_async(_load)(key)
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[key] = (now + TTL_SECONDS, instance)
    return instance


@receiver([post_save, post_delete], sender=Instance)
def _forget(sender, instance: Instance, **kwargs) -> None:
    _cache.pop(str(instance.pk), None)
