"""Adds the index that FerretDB 1.24's SQLite backend needs for `_id` lookups.

FerretDB v1.24.2 creates each collection's `_id` index on the expression
`_ferretdb_sjson->"_id"` but filters `_id` lookups, updates and deletes on
`_ferretdb_sjson->'$._id'`. SQLite matches index expressions literally, so
every lookup by `_id` scans the whole table (see bench/README.md). This
script watches FerretDB's data directory and gives every collection table an
index on the expression that the queries use. FerretDB does not know about
the index and does not need to: SQLite picks it for those queries, and drops
it with the table.

Usage: python3 ferretdb_id_index.py DATA_DIR [PARENT_PID]
It exits when PARENT_PID (the process that started it) is gone.
"""

import os
import sqlite3
import sys
import time

POLL_SECONDS = 0.5
INDEX_SUFFIX = "__automations_id_lookup"
# FerretDB prefixes its own tables with "_ferretdb_".
TABLES_WITHOUT_LOOKUP = """
    SELECT t.name FROM sqlite_master AS t
    WHERE t.type = 'table'
      AND t.name NOT LIKE '\\_ferretdb\\_%' ESCAPE '\\'
      AND t.sql LIKE '%_ferretdb_sjson%'
      AND NOT EXISTS (
        SELECT 1 FROM sqlite_master AS i
        WHERE i.type = 'index' AND i.name = t.name || ?
      )
"""


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def index_database(path):
    # mode=rw never creates a file, so a database that FerretDB has just
    # dropped stays dropped.
    connection = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=10)
    try:
        tables = [row[0] for row in connection.execute(TABLES_WITHOUT_LOOKUP, (INDEX_SUFFIX,))]
        for table in tables:
            connection.execute(
                f"CREATE INDEX IF NOT EXISTS {quote(table + INDEX_SUFFIX)} "
                f"ON {quote(table)} (_ferretdb_sjson->'$._id')"
            )
            connection.commit()
    finally:
        connection.close()


def main():
    data_dir = sys.argv[1]
    parent = int(sys.argv[2]) if len(sys.argv) > 2 else None
    failures = {}
    while parent is None or os.getppid() == parent:
        try:
            names = [name for name in os.listdir(data_dir) if name.endswith(".sqlite")]
        except FileNotFoundError:
            names = []
        for name in names:
            try:
                index_database(os.path.join(data_dir, name))
                failures.pop(name, None)
            except sqlite3.Error as error:
                # A table dropped while this runs, or a busy database: the next
                # poll tries again. Each new message is printed once.
                message = str(error)
                if failures.get(name) != message:
                    failures[name] = message
                    print(f"failed to index {name}: {message}; the next poll retries", file=sys.stderr, flush=True)
        time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    main()
