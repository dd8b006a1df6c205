"""Files kept in the database, as numbered chunks: release files and uploaded import files.

In the database rather than in MEDIA storage: the workers that build releases and run imports
may be on other machines, and PostgreSQL is the one thing they all share; a file and the row
that says it is complete commit in one transaction, so a crash never leaves a release that
points at half a file. Chunks rather than one value per file: neither a writer nor a download
ever holds a whole file in memory, and no value nears PostgreSQL's 1 GB limit.
"""

from django.db import models

CHUNK_SIZE = 1024 * 1024


class Chunk(models.Model):
    """One piece of a stored file; its owner (a foreign key) is declared by each subclass."""

    index = models.PositiveIntegerField(help_text="0 for the first CHUNK_SIZE bytes, and so on.")
    data = models.BinaryField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"chunk #{self.index}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Stored files are written once; their chunks never change.")
        super().save(*args, **kwargs)
