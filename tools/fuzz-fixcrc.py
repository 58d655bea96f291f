#!/usr/bin/python3
"""Recompute the CRC-32C checksums of a libforget container file in place.

`make fuzz` bypasses the checksums so that mutations reach the parsers; an
input it finds is made valid with this before it is committed to
tests/fuzz/corpus/, so that `make check` (checksums on) replays the same
path. Layout: docs/FORMAT.md (16-byte file header, then sections of a
24-byte header -- tag, flags, u64 length, payload CRC, header CRC -- and a
payload padded to 8 bytes)."""
import struct
import sys

TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    TABLE.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def fix(buf):
    pos = 16
    while len(buf) - pos >= 24:
        (length,) = struct.unpack_from("<Q", buf, pos + 8)
        if length > len(buf) - pos - 24:
            break
        payload = bytes(buf[pos + 24:pos + 24 + length])
        struct.pack_into("<I", buf, pos + 16, crc32c(payload))
        struct.pack_into("<I", buf, pos + 20, crc32c(bytes(buf[pos:pos + 20])))
        pos += 24 + length + (8 - length % 8) % 8
    return buf


for path in sys.argv[1:]:
    with open(path, "rb") as f:
        data = bytearray(f.read())
    with open(path, "wb") as f:
        f.write(fix(data))
