#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 proxy for the object-storage tests.

Forwards every request to UPSTREAM (one upstream connection per request,
"Connection: close" both ways) and, for object reads (GET requests with a
Range header), applies the next fault of the plan in turn:

  ok        forward unchanged
  reset     send the head and half the body, then reset the connection (RST)
  truncate  send the head and half the body, then close cleanly (FIN)
  stall     send the head and half the body, then go silent for 30 s
  503, 429  answer with that status and no forwarding
  slow      forward the body in 16 KiB pieces, 20 ms apart

Usage: fault_proxy.py UPSTREAM_HOST:PORT PLAN [PORT_FILE]
PLAN is comma-separated, e.g. "reset,ok,503,truncate". With FAULT_WRITES=1
in the environment the plan applies to writes (PUT, POST, DELETE) too; a
"reset" of a write forwards it, then drops the answer. The proxy listens on
an ephemeral port of 127.0.0.1 and writes it to PORT_FILE (or stdout). It
writes a line per request ("request METHOD PATH copy=SOURCE bytes=N") and
per fault applied ("fault KIND: ...") to stderr and exits when its parent
closes its stdin.
"""
import os
import socket
import struct
import sys
import threading
import time


def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), rest


def header(head, name):
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name:
            return value.strip()
    return None


def read_exact(conn, count, already):
    data = already
    while len(data) < count:
        chunk = conn.recv(min(1 << 20, count - len(data)))
        if not chunk:
            break
        data += chunk
    return data


class Plan:
    def __init__(self, text):
        self.faults = text.split(",")
        self.next = 0
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            fault = self.faults[self.next % len(self.faults)]
            self.next += 1
            return fault


def serve(conn, upstream, plan):
    try:
        head, rest = read_head(conn)
        if head is None:
            return
        length = int(header(head, "content-length") or 0)
        body = read_exact(conn, length, rest)
        lines = head.split("\r\n")
        kept = [l for l in lines[1:] if l.split(":")[0].strip().lower() != "connection"]
        request = "\r\n".join([lines[0]] + kept + ["Connection: close"]).encode("latin-1") + b"\r\n\r\n" + body
        method = lines[0].split(" ")[0]
        # One line per request, for tests that check what crossed the wire.
        sys.stderr.write(f"request {method} {lines[0].split(' ')[1]} copy={header(head, 'x-amz-copy-source') or '-'} bytes={len(body)}\n")
        writes = os.environ.get("FAULT_WRITES") == "1"
        if method == "GET" and header(head, "range"):
            fault = plan.take()
        elif writes and method in ("PUT", "POST", "DELETE"):
            fault = plan.take()
        else:
            fault = "ok"
        if fault in ("503", "429"):
            sys.stderr.write(f"fault {fault}: {lines[0]}\n")
            conn.sendall(f"HTTP/1.1 {fault} Injected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
            return
        up = socket.create_connection(upstream)
        up.sendall(request)
        response = b""
        while True:
            chunk = up.recv(1 << 20)
            if not chunk:
                break
            response += chunk
        up.close()
        rhead, _, rbody = response.partition(b"\r\n\r\n")
        rlines = rhead.decode("latin-1").split("\r\n")
        rkept = [l for l in rlines[1:] if l.split(":")[0].strip().lower() != "connection"]
        out_head = "\r\n".join([rlines[0]] + rkept + ["Connection: close"]).encode("latin-1") + b"\r\n\r\n"
        if method != "GET" and fault == "reset":
            # A write that happened whose answer is lost: the client must
            # retry it without mistaking its own write for somebody else's.
            sys.stderr.write(f"fault lost-answer: {lines[0]}\n")
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if fault == "ok" or not rbody:
            conn.sendall(out_head + rbody)
            return
        sys.stderr.write(f"fault {fault}: {lines[0]}\n")
        if fault == "slow":
            conn.sendall(out_head)
            for i in range(0, len(rbody), 16384):
                conn.sendall(rbody[i:i + 16384])
                time.sleep(0.02)
            return
        conn.sendall(out_head + rbody[: len(rbody) // 2])
        if fault == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif fault == "stall":
            time.sleep(30)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    plan = Plan(sys.argv[2])
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    bound = listener.getsockname()[1]
    if len(sys.argv) > 3:
        with open(sys.argv[3] + ".tmp", "w") as f:
            f.write(str(bound))
        import os
        os.rename(sys.argv[3] + ".tmp", sys.argv[3])
    else:
        print(bound, flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), listener.close(), os_exit()), daemon=True).start()
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=serve, args=(conn, (host, int(port)), plan), daemon=True).start()


def os_exit():
    import os
    os._exit(0)


if __name__ == "__main__":
    main()
