#ifndef NEWSDESK_CLIBPQ_SHIM_H
#define NEWSDESK_CLIBPQ_SHIM_H

#include <libpq-fe.h>

/* Swift does not import the PG_DIAG_* character macros; expose them as
   constants so the wrapper can read error fields by name. */
static const int CLibPQ_DIAG_SEVERITY_NONLOCALIZED = PG_DIAG_SEVERITY_NONLOCALIZED;
static const int CLibPQ_DIAG_SQLSTATE = PG_DIAG_SQLSTATE;
static const int CLibPQ_DIAG_MESSAGE_PRIMARY = PG_DIAG_MESSAGE_PRIMARY;
static const int CLibPQ_DIAG_MESSAGE_DETAIL = PG_DIAG_MESSAGE_DETAIL;
static const int CLibPQ_DIAG_MESSAGE_HINT = PG_DIAG_MESSAGE_HINT;
static const int CLibPQ_DIAG_SCHEMA_NAME = PG_DIAG_SCHEMA_NAME;
static const int CLibPQ_DIAG_TABLE_NAME = PG_DIAG_TABLE_NAME;
static const int CLibPQ_DIAG_COLUMN_NAME = PG_DIAG_COLUMN_NAME;
static const int CLibPQ_DIAG_CONSTRAINT_NAME = PG_DIAG_CONSTRAINT_NAME;

#endif
