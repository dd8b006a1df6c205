from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.core.management import call_command
from django.db.models.signals import post_migrate


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Annotations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_create_cache_table, sender=self)
        from annotations.middleware import session_stamp_at_log_in

        user_logged_in.connect(session_stamp_at_log_in)
        # Its import tells the services how to queue a claim-matching sync (services.matching).
        import annotations.tasks  # noqa: F401


def _create_cache_table(using: str = "default", **kwargs: object) -> None:
    """The database cache's table (settings.CACHES) comes with every migrate; it is idempotent."""
    call_command("createcachetable", database=using, verbosity=0)
