-- Nothing in a newsroom's database is kept outside its tables, and no one
-- holds a lock the desk did not take. Migration 0001 took the advisory locks
-- keyed by one number from PUBLIC; the same locks keyed by two numbers, and
-- large objects (data any login could store, outside every table and the
-- audit log, and own), were still open to every login. A superuser (which
-- `newsdesk db migrate` is) keeps them.

REVOKE EXECUTE ON FUNCTION pg_catalog.pg_advisory_lock(integer, integer),
    pg_catalog.pg_advisory_lock_shared(integer, integer),
    pg_catalog.pg_try_advisory_lock(integer, integer), pg_catalog.pg_try_advisory_lock_shared(integer, integer),
    pg_catalog.pg_advisory_xact_lock(integer, integer), pg_catalog.pg_advisory_xact_lock_shared(integer, integer),
    pg_catalog.pg_try_advisory_xact_lock(integer, integer),
    pg_catalog.pg_try_advisory_xact_lock_shared(integer, integer)
    FROM PUBLIC;

REVOKE EXECUTE ON FUNCTION pg_catalog.lo_create(oid), pg_catalog.lo_creat(integer),
    pg_catalog.lo_from_bytea(oid, bytea), pg_catalog.lo_import(text), pg_catalog.lo_import(text, oid),
    pg_catalog.lo_put(oid, bigint, bytea), pg_catalog.lowrite(integer, bytea)
    FROM PUBLIC;
