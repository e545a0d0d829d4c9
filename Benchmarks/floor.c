/*
 * The floor for every end-to-end figure in scripts/bench: the least a program
 * can do to perform the same work with libpq. It connects (libpq's usual
 * variables pick the server), runs each SQL argument once with the extended
 * protocol and binary results, as newsdesk does, and exits.
 *
 *   floor "SELECT version, name, applied_at FROM schema_migration ORDER BY version"
 */
#include <stdio.h>
#include <libpq-fe.h>

int main(int argc, char **argv) {
    PGconn *connection = PQconnectdb("fallback_application_name=floor");
    if (PQstatus(connection) != CONNECTION_OK) {
        fprintf(stderr, "floor: %s", PQerrorMessage(connection));
        PQfinish(connection);
        return 69;
    }
    for (int i = 1; i < argc; i++) {
        PGresult *result = PQexecParams(connection, argv[i], 0, NULL, NULL, NULL, NULL, 1);
        ExecStatusType status = PQresultStatus(result);
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            fprintf(stderr, "floor: %s", PQerrorMessage(connection));
            PQclear(result);
            PQfinish(connection);
            return 1;
        }
        PQclear(result);
    }
    PQfinish(connection);
    return 0;
}
