#!/usr/bin/env python3
"""Boots capOS in QEMU: the one place that knows QEMU's command line.

Used by `make run` and `make debug` (interactive, serial on this terminal)
and imported by tools/run_tests.py (serial captured, status from
isa-debug-exit). TCG by default; --kvm uses KVM only if /dev/kvm opens.
"""
import argparse
import os
import shutil
import sys
import tempfile

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"

# isa-debug-exit: the kernel writes code c, QEMU exits with (c << 1) | 1.
EXIT_PASS = (0x10 << 1) | 1
EXIT_FAIL = (0x11 << 1) | 1
EXIT_PANIC = (0x12 << 1) | 1


def kvm_usable():
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
        os.close(fd)
        return True
    except OSError:
        return False


def command(iso, uefi=False, smp=1, mem="256M", kvm=False, cmdline=None,
            interactive=False, gdb=False, vars_dir="build", extra=(),
            tcg_threads=None):
    """Returns the QEMU argv for one boot. tcg_threads ("single" or
    "multi") names TCG's threading instead of leaving QEMU's default."""
    argv = ["qemu-system-x86_64", "-machine", "q35", "-m", mem,
            "-smp", str(smp), "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-cdrom", iso, "-boot", "d"]
    if kvm and kvm_usable():
        argv += ["-accel", "kvm", "-cpu", "host"]
    else:
        accel = "tcg,thread=" + tcg_threads if tcg_threads else "tcg"
        argv += ["-accel", accel, "-cpu", "max"]
    if uefi:
        os.makedirs(vars_dir, exist_ok=True)
        # One copy per boot: parallel boots of one run share the pid, and
        # one boot's cleanup must not delete another's copy.
        fd, vars_copy = tempfile.mkstemp(prefix="OVMF_VARS.", suffix=".fd",
                                         dir=vars_dir)
        os.close(fd)
        shutil.copyfile(OVMF_VARS, vars_copy)
        argv += ["-drive", "if=pflash,format=raw,readonly=on,file=" + OVMF_CODE,
                 "-drive", "if=pflash,format=raw,file=" + vars_copy]
    if cmdline:
        # QEMU option syntax: a literal comma is written twice.
        argv += ["-fw_cfg", "name=opt/capos/cmdline,string=" +
                 cmdline.replace(",", ",,")]
    if interactive:
        argv += ["-nographic"]
    else:
        argv += ["-display", "none", "-monitor", "none", "-serial", "stdio"]
    if gdb:
        argv += ["-s", "-S"]
    return argv + list(extra)


def cleanup_vars(argv):
    for a in argv:
        if a.startswith("if=pflash,format=raw,file="):
            try:
                os.unlink(a.split("file=", 1)[1])
            except OSError:
                pass


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--iso", required=True)
    ap.add_argument("--uefi", action="store_true")
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--mem", default="256M")
    ap.add_argument("--kvm", action="store_true")
    ap.add_argument("--cmdline", help="extra kernel command line (fw_cfg)")
    ap.add_argument("--interactive", action="store_true")
    ap.add_argument("--gdb", action="store_true")
    a = ap.parse_args()
    argv = command(a.iso, a.uefi, a.smp, a.mem, a.kvm, a.cmdline,
                   a.interactive, a.gdb)
    if a.interactive:
        print("capOS: booting in QEMU (%s); Ctrl-A X quits." %
              ("KVM" if "kvm" in argv else "TCG"), file=sys.stderr)
    try:
        rc = os.spawnvp(os.P_WAIT, argv[0], argv)
    finally:
        cleanup_vars(argv)
    sys.exit(0 if rc in (0, EXIT_PASS) else rc)


if __name__ == "__main__":
    main()
