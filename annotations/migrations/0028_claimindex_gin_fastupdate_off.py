from django.db import migrations

# Claim matching's full-text index (annotations.db.claimsearch) without GIN's pending list.
# With fastupdate on (PostgreSQL's default), rows inserted go to an unsorted pending list
# that every search reads in full until a vacuum merges it: after a bulk sync of 100,000
# claims a lexical query read thousands of pending entries (8 ms instead of under 1) and
# the planner, which cannot see into the list, guessed wrongly. Off, each insert updates the
# index at once (a sync is slower to write, a match is fast at once); the list left by
# earlier inserts is merged here. PostgreSQL only: SQLite's FTS5 has no such list.
FORWARD = [
    "ALTER INDEX claimindex_search_gin SET (fastupdate = off)",
    "SELECT gin_clean_pending_list('claimindex_search_gin'::regclass)",
]
BACKWARD = ["ALTER INDEX claimindex_search_gin RESET (fastupdate)"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0027_shortcuts_new_page_keys"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
