# A foreign client for ForeignClientIT: redis-py's Lock on one key, driven line by line.
# argv: port, key, lock timeout in milliseconds.
# stdin: "hold" (wait up to 10 s for the lock), "try" (one attempt), "release", "quit".
# stdout: "held", "refused", "released <wall-clock microseconds right after the release>", "error <message>".
import sys
import time

import redis

port, key, timeout_ms = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
client = redis.Redis(host="127.0.0.1", port=port)
lock = client.lock(key, timeout=timeout_ms / 1000.0)
print("ready", flush=True)
for line in sys.stdin:
    command = line.strip()
    try:
        if command == "hold":
            print("held" if lock.acquire(blocking=True, blocking_timeout=10) else "refused", flush=True)
        elif command == "try":
            print("held" if lock.acquire(blocking=False) else "refused", flush=True)
        elif command == "release":
            lock.release()
            print("released %d" % (time.time_ns() // 1000), flush=True)
        elif command == "quit":
            break
    except Exception as e:  # the test reads every failure as a line, never as a hang
        print("error %s" % str(e).replace("\n", " "), flush=True)
