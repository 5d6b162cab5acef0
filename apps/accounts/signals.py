"""Cache invalidation only (no business logic here): the cached authenticated user."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .authentication import forget_cached_user
from .models import User


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def user_changed(sender, instance, **kwargs):
    forget_cached_user(instance.pk)


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
def user_roles_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    if reverse:  # group.user_set changed: forget every user touched
        for pk in pk_set or ():
            forget_cached_user(pk)
    else:
        forget_cached_user(instance.pk)
