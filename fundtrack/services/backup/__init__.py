"""Backups of the whole database and their restore (``fundtrack backup`` / ``fundtrack restore``).

:func:`write_backup` writes an archive (:mod:`.archive` describes it) safely while others
write; :func:`restore_backup` checks an archive whole, restores it all or nothing, and
proves the restore by dumping every organisation again and comparing with the archive.
Unlike the other services they act on a whole database (an engine), not as one person
within one organisation: a restore may run where no organisation exists yet.
"""

from fundtrack.services.backup.archive import FORMAT_VERSION, Archive, BackupError
from fundtrack.services.backup.make import BackupWritten, find_pg_dump, write_backup
from fundtrack.services.backup.restore import Restored, is_empty, restore_backup

__all__ = [
    "FORMAT_VERSION",
    "Archive",
    "BackupError",
    "BackupWritten",
    "Restored",
    "find_pg_dump",
    "is_empty",
    "restore_backup",
    "write_backup",
]
