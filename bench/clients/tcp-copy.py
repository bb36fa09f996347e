"""The loopback limit for the throughput benchmark: a plain TCP copy between two processes.

The sender sendall()s one 1 MiB buffer over and over (no file, no disk: the copy itself is the
only cost); the receiver recv_into()s a 1 MiB buffer and throws the bytes away. Prints one JSON line from the receiver:
{"bytes": N, "ms": T}, timed from connect to EOF. Usage: tcp-copy.py BYTES
"""
import json
import os
import socket
import sys
import time

size = int(sys.argv[1])
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(1)
port = listener.getsockname()[1]

child = os.fork()
if child == 0:
    listener.close()
    buffer = bytearray(1024 * 1024)
    received = 0
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        while True:
            count = connection.recv_into(buffer)
            if count == 0:
                break
            received += count
    print(json.dumps({"bytes": received, "ms": (time.perf_counter() - started) * 1000}), flush=True)
    os._exit(0)

listener.settimeout(60)
chunk = bytes(1024 * 1024)
connection, _ = listener.accept()
with connection:
    left = size
    while left > 0:
        count = min(left, len(chunk))
        connection.sendall(chunk if count == len(chunk) else chunk[:count])
        left -= count
listener.close()
_, status = os.waitpid(child, 0)
sys.exit(os.waitstatus_to_exitcode(status))
