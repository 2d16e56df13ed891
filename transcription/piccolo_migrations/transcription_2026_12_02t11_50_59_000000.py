"""The full-text index of transcripts, which Piccolo's columns cannot express: on SQLite an FTS5
table with a document per call, on PostgreSQL a table of tsvectors, a document per side of each
call, with a GIN index (see transcription/search.py for what goes into them). Transcripts
finished before this version are indexed here too."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-02T11:50:59:000000"
VERSION = "1.38.0"
DESCRIPTION = "transcript search index"

# rowid = the call. A column per side of the call; each holds that side's turns, the words
# already split by transcription.search.words() one space apart and a "¦" between turns (no
# search can contain it, so no phrase runs from one turn into the next). The ascii tokenizer
# splits on ASCII characters other than letters and digits only: here, on the spaces.
SQLITE = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS "transcript_fts" USING fts5(
        "agent", "caller", "other", tokenize='ascii', columnsize=0)""",
    """CREATE TRIGGER IF NOT EXISTS "transcript_index_fts_delete" AFTER DELETE ON "transcript_index" BEGIN
        DELETE FROM "transcript_fts" WHERE rowid = old."call";
    END""",
)

# A document per side of each call (agent, caller, other) that the search writes itself, as a
# tsvector literal of the same words, so PostgreSQL's text parser never splits a word differently
# from SQLite: each word at its position (a position left out between turns), and every run of
# two and three words within a turn as one more lexeme, so that the GIN index alone answers words
# and phrases of up to three words without reading documents. The documents go to the TOAST
# table, which keeps this table small for the index's hits to be looked up in. They go with the
# call's entry in transcript_index (and so with the call).
POSTGRES = (
    """CREATE TABLE IF NOT EXISTS "transcript_terms" (
        "call" integer NOT NULL REFERENCES "transcript_index" ("call") ON DELETE CASCADE,
        "side" varchar(6) NOT NULL,
        "terms" tsvector NOT NULL
    ) WITH (toast_tuple_target = 128)""",
    'CREATE INDEX IF NOT EXISTS "transcript_terms_call" ON "transcript_terms" ("call")',
    'CREATE INDEX IF NOT EXISTS "transcript_terms_terms" ON "transcript_terms" USING gin ("terms")',
    'ALTER TABLE "transcript_index" SET (toast_tuple_target = 128)',
)
LZ4 = "SELECT 1 AS yes FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="transcription", description=DESCRIPTION)

    async def create_index():
        engine = engine_finder()
        sqlite = isinstance(engine, SQLiteEngine)
        for ddl in SQLITE if sqlite else POSTGRES:
            await engine.run_ddl(ddl)
        if not sqlite and await engine.run_ddl(LZ4):
            await engine.run_ddl('ALTER TABLE "transcript_terms" ALTER COLUMN "terms" SET COMPRESSION lz4')
        from transcription.search import index_all

        await index_all()

    manager.add_raw(create_index)
    return manager
