"""Python's standard library in Sole (issue 6's app tests): each part
prints a line whose text is fixed, so the test compares the output with
the same run on Linux and with what tests/integration/apps.rs expects."""

import datetime
import hashlib
import json
import random
import re
import sqlite3
import struct
import sys
import threading
import zlib

# json: a round trip, with sorted keys so the text is fixed.
doc = {"name": "sole", "tags": ["unikernel", "rust"], "ring": 0, "ok": True, "pi": 3.25}
text = json.dumps(doc, sort_keys=True)
assert json.loads(text) == doc
print("json:", text)

# re: groups, findall, substitution.
m = re.match(r"(?P<key>\w+)=(?P<value>\d+)", "answer=42; other=7")
pairs = re.findall(r"(\w+)=(\d+)", "a=1, b=22, c=333")
print("re:", m.group("key"), m.group("value"), pairs, re.sub(r"\d", "#", "r2d2 c3po"))

# hashlib: OpenSSL's and the built-in digests.
data = b"The quick brown fox jumps over the lazy dog"
print("md5:", hashlib.md5(data).hexdigest())
print("sha256:", hashlib.sha256(data).hexdigest())
print("blake2b:", hashlib.blake2b(data, digest_size=16).hexdigest())

# sqlite3: an in-memory database.
db = sqlite3.connect(":memory:")
db.execute("CREATE TABLE fruit (name TEXT PRIMARY KEY, price INTEGER)")
db.executemany("INSERT INTO fruit VALUES (?, ?)", [("pear", 3), ("apple", 2), ("fig", 5), ("kiwi", 4)])
rows = db.execute("SELECT name, price FROM fruit WHERE price > 2 ORDER BY price DESC").fetchall()
total = db.execute("SELECT SUM(price), COUNT(*) FROM fruit").fetchone()
db.close()
print("sqlite3:", rows, total)

# threading: four threads add to a shared counter under a lock, and
# hand results through a condition variable.
counter = 0
lock = threading.Lock()
results = []
done = threading.Condition()


def work(n):
    global counter
    for _ in range(1000):
        with lock:
            counter += 1
    with done:
        results.append(n * n)
        done.notify()


threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
for t in threads:
    t.start()
with done:
    done.wait_for(lambda: len(results) == 4, timeout=60)
for t in threads:
    t.join()
print("threading:", counter, sorted(results))

# datetime: arithmetic and formatting on fixed dates.
d = datetime.datetime(2024, 2, 28, 22, 30, tzinfo=datetime.timezone.utc)
later = d + datetime.timedelta(hours=3, minutes=15)
print("datetime:", later.isoformat(), later.strftime("%A %j"), (later.date() - datetime.date(2024, 1, 1)).days)
now = datetime.datetime.now()
assert now.year >= 2024, now

# random: a seeded generator gives the same numbers everywhere.
rng = random.Random(1234)
print("random:", [rng.randint(1, 100) for _ in range(5)], rng.choice("abcdef"), round(rng.random(), 6))

# struct: packing and unpacking.
packed = struct.pack("<IhQ4s", 0xDEADBEEF, -2, 2**40 + 5, b"sole")
print("struct:", packed.hex(), struct.unpack("<IhQ4s", packed))

# zlib: compress, decompress, checksums.
blob = b"sole " * 1000
squeezed = zlib.compress(blob, 9)
assert zlib.decompress(squeezed) == blob
print("zlib:", len(blob), len(squeezed) < 100, hex(zlib.crc32(blob)), hex(zlib.adler32(blob)))

# The extension modules came from lib-dynload through dlopen.
loaded = [m for m in ("_hashlib", "_json", "_sqlite3") if sys.modules.get(m) and getattr(sys.modules[m], "__file__", "").endswith(".so")]
print("extensions:", loaded)
print("all done")
