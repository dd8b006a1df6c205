"""What the benchmarks share: a fresh PostgreSQL database, migrated, with Django set up."""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/{name}"


# Words and names of the synthetic news texts that the ingest and export benchmarks build.
WORDS = (
    "the army said on Thursday that troops had reached the northern town after a week of "
    "fighting with armed groups near the border while officials in the capital promised "
    "talks and aid agencies warned of shortages of food water and medicine for families "
    "displaced by the clashes minister government rebels region mission peacekeepers "
    "convoy airport market election parliament spokesman agency statement"
).split()
NAMES = ["Keïta", "Traoré", "Déby", "Le Drian", "Touré", "Maïga", "Dicko", "Ag Ghaly"]


def fresh_database(url: str) -> None:
    """Drop and create the database ``url`` names, set Django up on it and migrate."""
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def setup_django(url: str) -> None:
    """Point Django at ``url`` and set it up, without the debug query log."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from django.conf import settings

    # Benchmarks measure the work, not Django's list of every query run.
    settings.DEBUG = False


def timed(call) -> float:
    """Milliseconds that ``call()`` took."""
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def load() -> str:
    """The load average, as `uptime` prints its three figures."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())
