/*
 * Time from a live update's commit to its server-sent event, at every reader.
 *
 * Used by scripts/bench. Opens READERS connections to one article's live page
 * (`/{lang}/{slug}/live`) on a local server, then posts UPDATES live updates
 * one after another through a single psql session (the command after `--`,
 * logged in as an editor; open before the first is timed): each is
 * `SELECT desk.add_update(...)`, which commits when it returns. Each update's
 * latency at a reader is from just before its statement is sent to when that
 * reader's socket delivers the event carrying the update's text. The next
 * update is posted once every reader has it (or after a timeout). Prints p50,
 * p99 and the worst over readers x updates.
 *
 * In C, with one epoll loop, so that the client's own cost stays out of the
 * figure: the event reaches every socket at about the same moment and one
 * thread reads them one after another. The asyncio client this replaces
 * spent about 25 microseconds of Python per socket, 25 ms an update for
 * 1,000 readers; this one spends a few.
 *
 *   sse_latency --url http://127.0.0.1:8080/en/some-story/live --ref en/some-story \
 *       --readers 1000 --updates 50 -- psql -X -At -h ... -U editor newsdesk
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { TAIL = 96, HEAD_MAX = 8192, CHUNK = 65536 };

/* One reader's connection to the live page. */
struct reader {
    int fd;
    bool streaming; /* the response head has been read */
    bool ready;     /* the first frame (with `retry:`) has arrived */
    bool closed;
    size_t head_length, tail_length;
    char head[HEAD_MAX];
    char tail[TAIL]; /* the end of what came before, for a token split across reads */
    double arrived;  /* when the expected token came, or 0 */
};

static struct reader *readers;
static int reader_count, epoll_fd, psql_out = -1;
static char expected[128];
static size_t expected_length;
static int arrivals;
static char psql_line[4096];
static size_t psql_line_length;
static bool psql_answered;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void fail(const char *what) {
    fprintf(stderr, "sse_latency: %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
    exit(1);
}

/* Looks for the expected token in what reader `r` has just received. */
static void scan(struct reader *r, const char *data, size_t length, double at) {
    if (!r->streaming) {
        size_t room = HEAD_MAX - r->head_length, take = length < room ? length : room;
        memcpy(r->head + r->head_length, data, take);
        r->head_length += take;
        char *end = memmem(r->head, r->head_length, "\r\n\r\n", 4);
        if (!end) {
            if (r->head_length == HEAD_MAX) fail("a live page's head is too long");
            return;
        }
        if (r->head_length < 13 || memcmp(r->head + 8, " 200 ", 5) != 0) {
            fprintf(stderr, "sse_latency: live page answered %.*s\n", (int)(strchr(r->head, '\r') - r->head), r->head);
            exit(1);
        }
        size_t body = (size_t)(end + 4 - r->head);
        r->streaming = true;
        /* What followed the head in this read. */
        size_t before = r->head_length - take;
        data += body - before;
        length -= body - before;
    }
    /* The token may straddle two reads: look in the tail and the new bytes together. */
    char joined[TAIL + CHUNK];
    memcpy(joined, r->tail, r->tail_length);
    memcpy(joined + r->tail_length, data, length);
    size_t total = r->tail_length + length;
    if (!r->ready && memmem(joined, total, "retry:", 6)) r->ready = true;
    if (expected_length && r->arrived == 0 && memmem(joined, total, expected, expected_length)) {
        r->arrived = at;
        arrivals++;
    }
    r->tail_length = total < TAIL ? total : TAIL;
    memcpy(r->tail, joined + total - r->tail_length, r->tail_length);
}

/* Reads whatever is ready, for at most `milliseconds`. */
static void pump(int milliseconds) {
    struct epoll_event events[256];
    static char buffer[CHUNK];
    int count = epoll_wait(epoll_fd, events, 256, milliseconds);
    if (count < 0 && errno != EINTR) fail("epoll_wait");
    for (int i = 0; i < count; i++) {
        int index = events[i].data.u32;
        if (index == reader_count) { /* psql's answer */
            ssize_t got = read(psql_out, psql_line + psql_line_length, sizeof psql_line - 1 - psql_line_length);
            if (got <= 0) fail("psql ended");
            psql_line_length += got;
            if (memchr(psql_line, '\n', psql_line_length)) psql_answered = true;
            continue;
        }
        struct reader *r = &readers[index];
        for (;;) {
            ssize_t got = read(r->fd, buffer, sizeof buffer);
            if (got > 0) {
                scan(r, buffer, (size_t)got, now());
                continue;
            }
            if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                r->closed = true;
                epoll_ctl(epoll_fd, EPOLL_CTL_DEL, r->fd, NULL);
            }
            break;
        }
    }
}

/* Sends `statement` to psql and waits for its one-line answer, reading the live pages meanwhile. */
static void ask(int psql_in, const char *statement) {
    psql_line_length = 0;
    psql_answered = false;
    size_t length = strlen(statement);
    if (write(psql_in, statement, length) != (ssize_t)length) fail("writing to psql");
    while (!psql_answered) pump(1000);
    psql_line[psql_line_length] = 0;
}

/* `n` with a comma between thousands, as the other figures are printed. */
static const char *grouped(int n, char text[static 16]) {
    char digits[16];
    int length = snprintf(digits, sizeof digits, "%d", n), out = 0;
    for (int i = 0; i < length; i++) {
        if (i > 0 && (length - i) % 3 == 0) text[out++] = ',';
        text[out++] = digits[i];
    }
    text[out] = 0;
    return text;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    const char *url = NULL, *ref = NULL;
    int updates = 50;
    double timeout = 10, target = 100;
    reader_count = 1000;
    int command = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            command = i + 1;
            break;
        }
        if (i + 1 >= argc) fail("every option takes a value");
        if (!strcmp(argv[i], "--url")) url = argv[++i];
        else if (!strcmp(argv[i], "--ref")) ref = argv[++i];
        else if (!strcmp(argv[i], "--readers")) reader_count = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--updates")) updates = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--timeout")) timeout = atof(argv[++i]);
        else if (!strcmp(argv[i], "--target-ms")) target = atof(argv[++i]);
        else fail("unknown option (--url, --ref, --readers, --updates, --timeout, --target-ms, -- psql …)");
    }
    char host[64];
    int port;
    char path[1024];
    if (!url || !ref || !command || command >= argc || reader_count < 1 || updates < 1 ||
        sscanf(url, "http://%63[^:/]:%d%1023s", host, &port, path) != 3)
        fail("usage: sse_latency --url http://HOST:PORT/PATH --ref LANG/SLUG [--readers N] [--updates N] -- psql …");
    if (strchr(ref, '\'')) fail("--ref: no quotes");

    /* A descriptor per reader. */
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    signal(SIGPIPE, SIG_IGN);
    epoll_fd = epoll_create1(0);
    readers = calloc(reader_count, sizeof *readers);
    char request[2048];
    int request_length = snprintf(request, sizeof request,
        "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n", path, host, port);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) fail("--url: the host must be an IPv4 address");

    double started = now();
    int opened = 0;
    for (int i = 0; i < reader_count; i++) {
        struct reader *r = &readers[i];
        r->fd = socket(AF_INET, SOCK_STREAM, 0);
        if (r->fd < 0) fail("socket");
        if (connect(r->fd, (struct sockaddr *)&address, sizeof address) != 0) fail("connect");
        if (write(r->fd, request, request_length) != request_length) fail("sending a request");
        fcntl(r->fd, F_SETFL, fcntl(r->fd, F_GETFL) | O_NONBLOCK);
        struct epoll_event event = {.events = EPOLLIN, .data.u32 = i};
        epoll_ctl(epoll_fd, EPOLL_CTL_ADD, r->fd, &event);
    }
    /* The server subscribes a page before it writes its first frame. */
    while (opened < reader_count) {
        pump(1000);
        opened = 0;
        for (int i = 0; i < reader_count; i++) {
            if (readers[i].closed) fail("a live page closed before its first frame");
            opened += readers[i].ready;
        }
        if (now() - started > 60) fail("the live pages did not all open within 60 s");
    }
    double connect_seconds = now() - started;

    /* psql, answering on a pipe. */
    int to_psql[2], from_psql[2];
    if (pipe(to_psql) || pipe(from_psql)) fail("pipe");
    pid_t psql = fork();
    if (psql == 0) {
        dup2(to_psql[0], 0);
        dup2(from_psql[1], 1);
        close(to_psql[1]);
        close(from_psql[0]);
        char **arguments = calloc(argc - command + 3, sizeof *arguments);
        int n = 0;
        for (int i = command; i < argc; i++) arguments[n++] = argv[i];
        arguments[n++] = "-v";
        arguments[n++] = "ON_ERROR_STOP=1";
        execvp(arguments[0], arguments);
        _exit(127);
    }
    close(to_psql[0]);
    close(from_psql[1]);
    psql_out = from_psql[0];
    struct epoll_event event = {.events = EPOLLIN, .data.u32 = reader_count};
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, psql_out, &event);

    /* The session is open before the clock starts: psql's connecting and
     * logging in is not part of an update's way to its readers. Its first
     * statement is still timed as it comes, in a session that has run
     * nothing yet, as the CLI's always is. */
    ask(to_psql[1], "SELECT 1;\n");
    if (strcmp(psql_line, "1\n") != 0) fail("the editor's session did not open");

    double *latencies = malloc(sizeof(double) * reader_count * updates), *commits = malloc(sizeof(double) * updates);
    int events = 0, missed = 0;
    bool each = getenv("SSE_LATENCY_EACH") != NULL;
    char statement[1024];
    for (int number = 1; number <= updates; number++) {
        expected_length = snprintf(expected, sizeof expected, "ssebench%dx%ldn%dx", getpid(), (long)time(NULL), number);
        arrivals = 0;
        for (int i = 0; i < reader_count; i++) readers[i].arrived = 0;
        snprintf(statement, sizeof statement,
            "SELECT desk.add_update('%s', 'Live update %s for the bench.') IS NOT NULL;\n", ref, expected);
        double sent = now();
        ask(to_psql[1], statement);
        commits[number - 1] = (now() - sent) * 1000;
        if (strcmp(psql_line, "t\n") != 0) {
            fprintf(stderr, "sse_latency: desk.add_update answered %s\n", psql_line);
            return 1;
        }
        while (arrivals < reader_count && now() - sent < timeout) pump(10);
        int first = events;
        for (int i = 0; i < reader_count; i++) {
            if (readers[i].arrived) latencies[events++] = (readers[i].arrived - sent) * 1000;
        }
        if (each && events > first) { /* SSE_LATENCY_EACH=1: each update's spread over its readers */
            qsort(latencies + first, events - first, sizeof *latencies, by_value);
            fprintf(stderr, "update %d: statement %.1f ms, first reader %.1f, median %.1f, last %.1f ms\n", number,
                commits[number - 1], latencies[first], latencies[first + (events - first) / 2], latencies[events - 1]);
        }
        missed += reader_count - arrivals;
        expected_length = 0;
        for (double until = now() + 0.02; now() < until;) pump(5);
    }
    close(to_psql[1]);
    waitpid(psql, NULL, 0);
    int still_open = 0;
    for (int i = 0; i < reader_count; i++) still_open += !readers[i].closed;

    if (events == 0) {
        fprintf(stderr, "sse_latency: no reader received any update\n");
        return 1;
    }
    qsort(latencies, events, sizeof *latencies, by_value);
    qsort(commits, updates, sizeof *commits, by_value);
    /* The median as Python's statistics.median takes it; p99 the nearest rank. */
    double p50 = events % 2 ? latencies[events / 2] : (latencies[events / 2 - 1] + latencies[events / 2]) / 2;
    double p99 = latencies[(events * 99 + 99) / 100 - 1];
    double commit = updates % 2 ? commits[updates / 2] : (commits[updates / 2 - 1] + commits[updates / 2]) / 2;
    char readers_text[16], events_text[16];
    printf("live update → event (%s readers × %d updates, %s events): p50 %.1f ms, p99 %.1f ms "
           "(%.2f of the target p99 ≤ %.0f ms), worst %.1f ms\n",
        grouped(reader_count, readers_text), updates, grouped(events, events_text), p50, p99, p99 / target, target,
        latencies[events - 1]);
    printf("  the statement itself (add_update and commit): median %.1f ms; %s readers connected in %.1f s; "
           "events missed: %d; readers still connected at the end: %d\n",
        commit, readers_text, connect_seconds, missed, still_open);
    return 0;
}
