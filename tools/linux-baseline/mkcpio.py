#!/usr/bin/env python3
"""Writes the Linux baseline's initramfs: a newc ("070701") cpio archive
holding /init (the static benchmark program), /dev and the /dev/console
character device (5, 1) that the kernel opens as init's stdin, stdout and
stderr. Writing the device node as an archive entry needs no root and no
cpio program. The archive is reproducible: fixed inode numbers, owner root,
mtime 0.

    mkcpio.py OUT INIT_BINARY

Exit status 0 when OUT was written.
"""
import os
import stat
import sys

MAGIC = b"070701"
TRAILER = "TRAILER!!!"


def pad4(n):
    return (4 - n % 4) % 4


def entry(ino, mode, name, data=b"", nlink=1, rdev=(0, 0)):
    """One newc header, its name and its data, each padded to 4 bytes."""
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name_b), 0]
    head = MAGIC + b"".join(b"%08X" % f for f in fields)
    out = head + name_b + b"\0" * pad4(len(head) + len(name_b))
    return out + data + b"\0" * pad4(len(data))


def archive(init):
    """Returns the archive's bytes for the /init program init (bytes)."""
    parts = [
        entry(1, stat.S_IFDIR | 0o755, "dev", nlink=2),
        entry(2, stat.S_IFCHR | 0o600, "dev/console", rdev=(5, 1)),
        entry(3, stat.S_IFREG | 0o755, "init", init),
        entry(0, 0, TRAILER),
    ]
    return b"".join(parts)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mkcpio.py OUT INIT_BINARY")
    out, init = sys.argv[1], sys.argv[2]
    with open(init, "rb") as f:
        data = archive(f.read())
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
