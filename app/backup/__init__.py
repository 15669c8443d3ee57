"""Backups of a live OpenCall: the database and the uploads, consistent with each other.

A backup is a plain directory, chosen over a tar because it restores most simply: nothing
to unpack, ``pg_restore`` and ``sqlite3`` read its database file in place, ``sha256sum``
and ``ls`` inspect it, and it is built under a hidden temporary name and renamed at the
end, so a directory under the chosen name is always complete. To send it elsewhere,
tar or rsync it as it is. Its layout::

    manifest.json           what is inside (MANIFEST_VERSION), counts, sha256 of each file
    database.sqlite3        SQLite: a copy made by the online backup API
    database.pgdump         PostgreSQL: pg_dump --format=custom
    uploads/ab/cd/abcd…     the uploaded files, under their storage keys

Consistency while the server keeps taking writes: the database is copied first, in one
snapshot (SQLite's backup API holds one read transaction; pg_dump runs in a snapshot
exported here, and the manifest's counts are read in it), then the uploads. Uploads are
written (to a hidden temporary name, then renamed) before the row naming them commits, and
never change afterwards, so every file a copied row names is already stored; files newer
than the snapshot are copied too and are harmless. The one gap is a file removed after the
snapshot (an attachment deleted, a cover replaced: the row goes first, then the file), so
the copy is checked against the snapshot's ``stored_file`` rows and taken again when one is
missing.

``database`` copies and restores the database, ``uploads`` the files (the upload directory,
or a bucket through the Storage interface), ``manifest`` describes a backup, and
``service`` puts them together for ``opencall backup`` and ``opencall restore``.
"""
