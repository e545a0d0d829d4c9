/*
 * The read fence's wait, as a process that writes and then at once reads
 * sees it (newsdesk serve after a change; a library user): for each round,
 * an INSERT on the primary in its own transaction, the primary's log
 * position after it, then the replica asked whether it has replayed that
 * far — at once, then every 0.2 ms, as newsdesk asks (ReplayFence).
 *
 *   fence PRIMARY-CONNINFO REPLICA-CONNINFO ROUNDS
 *
 * Prints one line of JSON: rounds, misses (the first ask found the replica
 * behind: an unfenced read would not have seen the write) and the wait's
 * p50, p99 and max in milliseconds.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static PGconn *open_or_die(const char *conninfo) {
    PGconn *connection = PQconnectdb(conninfo);
    if (PQstatus(connection) != CONNECTION_OK) {
        fprintf(stderr, "fence: %s", PQerrorMessage(connection));
        exit(69);
    }
    return connection;
}

static PGresult *run_or_die(PGconn *connection, const char *sql, const char *parameter) {
    const char *values[1] = {parameter};
    PGresult *result = PQexecParams(connection, sql, parameter ? 1 : 0, NULL, values, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        fprintf(stderr, "fence: %s", PQerrorMessage(connection));
        exit(1);
    }
    return result;
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: fence PRIMARY-CONNINFO REPLICA-CONNINFO ROUNDS\n");
        return 64;
    }
    PGconn *primary = open_or_die(argv[1]), *replica = open_or_die(argv[2]);
    int rounds = atoi(argv[3]), misses = 0;
    double *waits = calloc(rounds, sizeof(double));
    for (int i = 0; i < rounds; i++) {
        PQclear(run_or_die(primary, "INSERT INTO public.bench_floor (body) VALUES ('fence')", NULL));
        PGresult *position = run_or_die(primary, "SELECT pg_current_wal_insert_lsn()::text", NULL);
        char lsn[64];
        snprintf(lsn, sizeof lsn, "%s", PQgetvalue(position, 0, 0));
        PQclear(position);
        double start = now_ms();
        for (int asked = 0;; asked++) {
            PGresult *caught = run_or_die(replica, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", lsn);
            int done = strcmp(PQgetvalue(caught, 0, 0), "t") == 0;
            PQclear(caught);
            if (done) break;
            if (asked == 0) misses++;
            usleep(200);
        }
        waits[i] = now_ms() - start;
    }
    qsort(waits, rounds, sizeof(double), by_value);
    printf("{\"rounds\": %d, \"misses\": %d, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f}\n", rounds, misses,
           waits[rounds / 2], waits[(int)(rounds * 0.99)], waits[rounds - 1]);
    PQfinish(primary);
    PQfinish(replica);
    return 0;
}
