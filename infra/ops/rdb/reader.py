"""Low-level RDB reading: length prefixes, strings (integer-encoded and LZF-compressed) and Redis's CRC64.

Formats from redis src/rdb.h (RDB_6BITLEN .. RDB_64BITLEN, RDB_ENC_INT8/16/32, RDB_ENC_LZF) and src/lzf_d.c. The
reader works on a bytes-like buffer (an mmap of the backup) and raises `RdbError` rather than reading past the end.
"""

from __future__ import annotations

import mmap
import struct
from typing import Union

import anycrc

# What the reader walks: an in-memory snapshot or an mmap of the file (both index and slice as bytes).
Buffer = Union[bytes, memoryview, mmap.mmap]

# Redis's crc64 (src/crc64.c): Jones polynomial, reflected, init 0, xorout 0 — catalogued as CRC-64/REDIS.
# anycrc's bulk path is carry-less multiplication (~4.6 GB/s here: the whole-file check is nothing); a call costs
# ~0.7 us of fixed overhead, which the per-key RESTORE payloads pay (measured for issue #19: crcmod's C extension
# took 1.25 us per 200-byte payload; fastcrc has no CRC-64/Redis).
CRC64 = anycrc.Model("CRC64-REDIS")


class RdbError(ValueError):
    """The file is not a complete, readable RDB snapshot (or holds something we cannot restore)."""


def crc64(data: Buffer, crc: int = 0) -> int:
    return CRC64.calc(data, crc)


class Reader:
    def __init__(self, buf: Buffer):
        self.buf, self.pos, self.size = buf, 0, len(buf)

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > self.size:
            raise RdbError(f"truncated: needs {n} bytes at offset {self.pos}, the file has {self.size}")
        data = bytes(self.buf[self.pos:end])
        self.pos = end
        return data

    def skip(self, n: int) -> None:
        if n < 0 or self.pos + n > self.size:
            raise RdbError(f"truncated: needs {n} bytes at offset {self.pos}, the file has {self.size}")
        self.pos += n

    def byte(self) -> int:
        return self.take(1)[0]

    def length(self) -> tuple[int, bool]:
        """(value, is_special_encoding) — src/rdb.h RDB_6BITLEN/14BITLEN/32BITLEN/64BITLEN/ENCVAL."""
        first = self.byte()
        kind = first >> 6
        if kind == 0:
            return first & 0x3F, False
        if kind == 1:
            return ((first & 0x3F) << 8) | self.byte(), False
        if first == 0x80:
            return struct.unpack(">I", self.take(4))[0], False
        if first == 0x81:
            return struct.unpack(">Q", self.take(8))[0], False
        if kind == 3:
            return first & 0x3F, True
        raise RdbError(f"damaged: bad length prefix 0x{first:02x} at offset {self.pos - 1}")

    def plain_length(self) -> int:
        value, special = self.length()
        if special:
            raise RdbError(f"damaged: unexpected encoded length at offset {self.pos - 1}")
        return value

    def string(self) -> bytes:
        n, special = self.length()
        if not special:
            return self.take(n)
        if n in (0, 1, 2):  # RDB_ENC_INT8/16/32: an integer stored in binary, little endian, signed
            return str(int.from_bytes(self.take(1 << n), "little", signed=True)).encode()
        if n == 3:  # RDB_ENC_LZF
            compressed, original = self.plain_length(), self.plain_length()
            return lzf_decompress(self.take(compressed), original)
        raise RdbError(f"damaged: unknown string encoding {n} at offset {self.pos - 1}")

    def skip_string(self) -> int:
        """Skip one string; returns its length once loaded (an LZF string's uncompressed length), which is what the
        write guard's memory estimate counts."""
        n, special = self.length()
        if not special:
            self.skip(n)
            return n
        if n in (0, 1, 2):
            self.skip(1 << n)
            return 1 << n
        if n == 3:
            compressed, original = self.plain_length(), self.plain_length()
            self.skip(compressed)
            return original
        raise RdbError(f"damaged: unknown string encoding {n} at offset {self.pos - 1}")


def lzf_decompress(data: bytes, expected: int) -> bytes:
    """LZF (src/lzf_d.c): control byte < 32 is a literal run of ctrl+1 bytes, else a back-reference. Like lzf_d.c,
    every read is bounds-checked (a truncated or crafted input is "damaged", never an IndexError) and the output may
    not grow past `expected`."""
    out, i, size = bytearray(), 0, len(data)
    while i < size:
        ctrl = data[i]
        i += 1
        if ctrl < 32:
            if i + ctrl + 1 > size or len(out) + ctrl + 1 > expected:
                raise RdbError("damaged: corrupt LZF data (a literal run past the end)")
            out += data[i:i + ctrl + 1]
            i += ctrl + 1
            continue
        length = ctrl >> 5
        if length == 7:
            if i >= size:
                raise RdbError("damaged: corrupt LZF data (truncated back-reference)")
            length += data[i]
            i += 1
        if i >= size:
            raise RdbError("damaged: corrupt LZF data (truncated back-reference)")
        ref = len(out) - ((ctrl & 0x1F) << 8) - data[i] - 1
        i += 1
        if ref < 0:
            raise RdbError("damaged: corrupt LZF data (back-reference before the start)")
        if len(out) + length + 2 > expected:
            raise RdbError("damaged: corrupt LZF data (longer than its stated length)")
        for _ in range(length + 2):  # byte by byte: the reference may overlap what it produces
            out.append(out[ref])
            ref += 1
    if len(out) != expected:
        raise RdbError(f"damaged: corrupt LZF data ({len(out)} bytes instead of {expected})")
    return bytes(out)
