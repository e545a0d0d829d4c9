"""Time from a live update's commit to its server-sent event, at every reader.

Used by scripts/bench. Opens READERS connections to one article's live page
(`/{lang}/{slug}/live`) on a local server, then posts UPDATES live updates
one after another through a single psql session (the command after `--`,
logged in as an editor; open before the first is timed): each is `SELECT desk.add_update(...)`, which commits
when it returns. Each update's latency at a reader is from just before its
statement is sent to when that reader's socket delivers the event carrying
the update's text. The next update is posted once every reader has it (or
after a timeout). Prints p50, p99 and the worst over readers × updates.

Only the standard library: asyncio protocols (callbacks, no stream objects)
keep the client's own cost per event small, but it is in the figure: the
event reaches 1,000 sockets at about the same moment, and one Python thread
reads them one after another.

    python3 sse_latency.py --url http://127.0.0.1:8080/en/some-story/live \\
        --ref en/some-story --readers 1000 --updates 50 -- psql -X -At -h … -U editor newsdesk
"""
import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import urllib.parse

clock = time.perf_counter


class Reader(asyncio.Protocol):
    """One live page: reads the response head, then watches for the expected token."""

    def __init__(self, request, expecting):
        self.request = request
        self.expecting = expecting  # the shared Expectation
        self.head = bytearray()
        self.streaming = False
        self.tail = b""
        self.ready = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.events = 0

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        now = clock()
        if not self.streaming:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            status = self.head[: self.head.find(b"\r\n")].decode("latin-1")
            if " 200 " not in status + " ":
                if not self.ready.done():
                    self.ready.set_exception(RuntimeError(f"live page answered {status!r}"))
                self.transport.close()
                return
            data = bytes(self.head[end + 4 :])
            self.streaming = True
        if not self.ready.done() and b"retry:" in data:
            # The server subscribes this page before it writes its first frame.
            self.ready.set_result(None)
        chunk = self.tail + data
        self.events += data.count(b"event: update.added")
        token = self.expecting.token
        if token is not None and token in chunk:
            self.expecting.arrived(self, now)
        self.tail = chunk[-64:]

    def connection_lost(self, exc):
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(f"live page closed: {exc}"))
        if not self.closed.done():
            self.closed.set_result(exc)


class Expectation:
    """The update now expected by every reader, and when each got it."""

    def __init__(self, readers):
        self.readers = readers
        self.token = None
        self.sent_at = 0.0
        self.times = {}
        self.all_arrived = None

    def expect(self, token):
        self.token = token.encode()
        self.times = {}
        self.all_arrived = asyncio.get_running_loop().create_future()

    def arrived(self, reader, now):
        if id(reader) not in self.times:
            self.times[id(reader)] = now
            if len(self.times) == self.readers and not self.all_arrived.done():
                self.all_arrived.set_result(None)


async def open_readers(host, port, path, count, expecting, parallel):
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
        "Cache-Control: no-cache\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(parallel)
    readers = []

    async def one():
        async with gate:
            _, reader = await loop.create_connection(lambda: Reader(request, expecting), host, port)
            await asyncio.wait_for(reader.ready, 30)
            readers.append(reader)

    await asyncio.gather(*(one() for _ in range(count)))
    return readers


def percentile(values, share):
    """The nearest-rank percentile of sorted values."""
    rank = max(1, -(-len(values) * share // 100))
    return values[int(rank) - 1]


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the live page: http://HOST:PORT/{lang}/{slug}/live")
    parser.add_argument("--ref", required=True, help="the edition the updates go to, lang/slug")
    parser.add_argument("--readers", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=50)
    parser.add_argument("--parallel", type=int, default=64, help="connections opened at once")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for one update at every reader")
    parser.add_argument("--target-ms", type=float, default=100.0, help="the p99 target")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("psql", nargs=argparse.REMAINDER, help="-- then the psql command of an editor")
    options = parser.parse_args()
    psql = options.psql[1:] if options.psql[:1] == ["--"] else options.psql
    if not psql:
        parser.error("the editor's psql command is needed after --")
    url = urllib.parse.urlsplit(options.url)

    expecting = Expectation(options.readers)
    started = clock()
    readers = await open_readers(url.hostname, url.port, url.path, options.readers, expecting, options.parallel)
    connect_s = clock() - started

    poster = await asyncio.create_subprocess_exec(
        *psql, "-v", "ON_ERROR_STOP=1", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    # The session is open before the clock starts: psql's connecting and
    # logging in is not part of an update's way to its readers (it was half
    # of the first update's time). Its first statement is still timed as it
    # comes, in a session that has run nothing yet, as the CLI's always is.
    poster.stdin.write(b"SELECT 1;\n")
    await poster.stdin.drain()
    if (await poster.stdout.readline()).strip() != b"1":
        sys.exit("sse_latency: the editor's session did not open")
    run = f"{os.getpid()}x{int(time.time())}"
    ref = options.ref.replace("'", "''")
    latencies, commits, missed = [], [], 0
    for number in range(1, options.updates + 1):
        token = f"ssebench{run}n{number}x"
        expecting.expect(token)
        statement = f"SELECT desk.add_update('{ref}', 'Live update {token} for the bench.') IS NOT NULL;\n"
        sent = clock()
        poster.stdin.write(statement.encode())
        await poster.stdin.drain()
        answer = await poster.stdout.readline()
        commits.append((clock() - sent) * 1000)
        if answer.strip() != b"t":
            sys.exit(f"sse_latency: desk.add_update answered {answer!r}")
        try:
            await asyncio.wait_for(asyncio.shield(expecting.all_arrived), options.timeout)
        except asyncio.TimeoutError:
            pass
        missed += options.readers - len(expecting.times)
        latencies.extend((at - sent) * 1000 for at in expecting.times.values())
        await asyncio.sleep(0.02)
    poster.stdin.close()
    await poster.wait()
    still_open = sum(1 for reader in readers if not reader.closed.done())
    for reader in readers:
        reader.transport.close()

    latencies.sort()
    figures = {
        "readers": options.readers,
        "updates": options.updates,
        "events": len(latencies),
        "missed": missed,
        "still_open": still_open,
        "connect_s": connect_s,
        "p50_ms": statistics.median(latencies) if latencies else None,
        "p99_ms": percentile(latencies, 99) if latencies else None,
        "max_ms": latencies[-1] if latencies else None,
        "commit_median_ms": statistics.median(commits),
    }
    if options.json:
        with open(options.json, "w") as out:
            json.dump(figures, out)
    if not latencies:
        sys.exit("sse_latency: no reader received any update")
    print(
        f"live update → event ({options.readers:,} readers × {options.updates} updates, {len(latencies):,} events): "
        f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms "
        f"({figures['p99_ms'] / options.target_ms:.2f} of the target p99 ≤ {options.target_ms:.0f} ms), "
        f"worst {figures['max_ms']:.1f} ms")
    print(
        f"  the statement itself (add_update and commit): median {figures['commit_median_ms']:.1f} ms; "
        f"{options.readers:,} readers connected in {connect_s:.1f} s; events missed: {missed}; "
        f"readers still connected at the end: {still_open}")


if __name__ == "__main__":
    asyncio.run(main())
