#!/usr/bin/env python3
"""Boots the Linux baseline of issue #8 and reads its benchmark lines.

Debian's kernel (build/linux-baseline/vmlinuz) with the initramfs whose
/init is tests/linux-bench/bench.c, in the same QEMU with the same flags as
capOS's `make bench` (tools/run_tests.py): q35, 256M, one CPU, TCG with
-cpu max, and for instruction counts -icount shift=0,sleep=off -rtc
clock=vm,base=2024-01-01T00:00:00 -net none; plus -seed 1, which Linux
needs for bit-identical counts (see SEED_FLAGS). `make linux-baseline`
builds what this boots (in build/linux-baseline/, whatever DEBUG is);
docs/linux-baseline.md says what each number measures.

For tools/run_tests.py (build: where logs go; base: the directory that
`make linux-baseline` filled, by default build/linux-baseline):
    import linux_baseline
    linux = linux_baseline.bench_run(build, icount=True, tag="icount",
                                     base="build/linux-baseline")
    # -> {name: (cycles, ns)}, like run_tests.bench_run
    insn, cyc = linux_baseline.bench(build, runs=3, base=...)
    # -> {name: instructions}, {name: median cycles}
    linux_baseline.PAIRS  # (capOS name, Linux name, label) for the ratios
    linux_baseline.print_ratios({name: capOS instructions}, insn)

Run directly: prints the numbers (what `make linux-bench` does), or with
--check-host BINARY runs the program on this host's kernel and checks that
every benchmark printed its line (`make check-linux-bench-builds`).
"""
import argparse
import os
import re
import subprocess
import sys
import time

BENCH_LINE = re.compile(r"^bench: (\w+) (\d+) cycles (\d+) ns$")
ICOUNT_FLAGS = ["-icount", "shift=0,sleep=off",
                "-rtc", "clock=vm,base=2024-01-01T00:00:00", "-net", "none"]
# Linux draws on RDRAND (KASLR, the address-space layout of every process,
# stack canaries), which TCG answers from the host's randomness: without a
# fixed seed, fork's count moves by about 1% from boot to boot. With it the
# -icount counts are bit-identical run to run.
SEED_FLAGS = ["-seed", "1"]
APPEND = "console=ttyS0 quiet panic=-1"
TIMEOUT = 300  # seconds per boot; a normal one takes well under a minute

# Every benchmark the program prints, with a label for the table. The
# io_uring pair is missing from a run where the kernel refuses io_uring.
LINUX_NAMES = [
    ("linux_getppid", "Linux getppid round trip"),
    ("linux_eventfd_roundtrip", "Linux eventfd write+read"),
    ("linux_io_uring_nop", "Linux io_uring NOP (enter per NOP)"),
    ("linux_io_uring_nop_batch16_per_nop",
     "Linux io_uring NOP in a batch of 16, per NOP"),
    ("linux_pipe_roundtrip", "Linux pipe ping-pong round trip (2 procs)"),
    ("linux_futex_roundtrip", "Linux futex ping-pong round trip (2 threads)"),
    ("linux_fork_exit_wait", "Linux fork+exit+wait"),
    ("linux_fork_exec_wait", "Linux fork+exec+wait (static glibc)"),
]
OPTIONAL = {"linux_io_uring_nop", "linux_io_uring_nop_batch16_per_nop"}

# Comparable operations: (capOS benchmark, Linux benchmark, label). The
# ratio is Linux / capOS: above 1, capOS takes fewer instructions. A pair
# whose capOS side is not measured yet (the endpoint) is skipped.
PAIRS = [
    ("nop_roundtrip", "linux_getppid", "kernel NOP vs getppid"),
    ("nop_roundtrip", "linux_io_uring_nop", "ring NOP vs io_uring NOP"),
    ("nop_batch16_per_nop", "linux_io_uring_nop_batch16_per_nop",
     "NOP in batch of 16 vs io_uring batch of 16"),
    ("ep_roundtrip_empty", "linux_pipe_roundtrip",
     "endpoint round trip vs pipe ping-pong"),
    ("ep_roundtrip_empty", "linux_futex_roundtrip",
     "endpoint round trip vs futex ping-pong"),
    ("park_roundtrip", "linux_futex_roundtrip",
     "PARK/UNPARK vs futex ping-pong (2 threads)"),
    ("spawn_to_exit", "linux_fork_exit_wait", "spawn-to-exit vs fork+exit+wait"),
    ("spawner_spawn_to_exit", "linux_fork_exec_wait",
     "ProcessSpawner spawn-to-exit vs fork+exec+wait"),
]


def paths(build, base=None):
    """Returns (vmlinuz, initramfs) in base, or build/linux-baseline."""
    base = base or os.path.join(build, "linux-baseline")
    return (os.path.join(base, "vmlinuz"),
            os.path.join(base, "initramfs.cpio"))


def command(kernel, initrd, icount):
    """Returns the QEMU argv for one boot of the baseline."""
    argv = ["qemu-system-x86_64", "-machine", "q35", "-m", "256M",
            "-smp", "1", "-accel", "tcg", "-cpu", "max",
            "-kernel", kernel, "-initrd", initrd, "-append", APPEND,
            "-display", "none", "-monitor", "none", "-serial", "stdio",
            "-no-reboot"] + SEED_FLAGS
    return argv + (ICOUNT_FLAGS if icount else [])


def parse(lines):
    """Returns {name: (cycles, ns)} from the program's bench lines."""
    out = {}
    for ln in lines:
        m = BENCH_LINE.match(ln.strip())
        if m:
            out[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return out


def boot(build, icount, log_path=None, timeout=TIMEOUT, base=None):
    """Boots once; returns (QEMU's exit status or None on timeout, serial
    lines, wall-clock seconds). The program powers the machine off after
    "bench: done", so QEMU exits by itself."""
    kernel, initrd = paths(build, base)
    for p in (kernel, initrd):
        if not os.path.isfile(p):
            raise SystemExit("linux_baseline: no %s (make linux-baseline)" % p)
    argv = command(kernel, initrd, icount)
    t0 = time.monotonic()
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        status, raw = p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        status, raw = None, e.stdout or b""
    secs = time.monotonic() - t0
    lines = [x.rstrip("\r") for x in raw.decode("utf-8", "replace").split("\n")]
    if log_path:
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        with open(log_path, "w") as f:
            f.write("# " + " ".join(argv) + "\n")
            f.write("\n".join(lines) + "\n")
            f.write("# status: %s, %.1f s\n" % (status, secs))
    return status, lines, secs


def bench_run(build, icount, tag, base=None):
    """Boots the baseline once and returns {name: (cycles, ns)}, like
    run_tests.bench_run; the serial log goes to
    build/bench-linux-<tag>.log. Raises SystemExit if the run did not reach
    "bench: done"."""
    log = os.path.join(build, "bench-linux-%s.log" % tag)
    status, lines, _ = boot(build, icount, log, base=base)
    if not any(x.strip() == "bench: done" for x in lines):
        raise SystemExit("linux_baseline: no 'bench: done' (status %s); see %s"
                         % (status, log))
    return parse(lines)


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else None


def bench(build, runs=3, base=None):
    """Returns ({name: instructions}, {name: median TSC cycles}): one boot
    under -icount (its counts are bit-identical run to run) and runs boots
    without it."""
    insn = {k: v[1] for k, v in
            bench_run(build, True, "icount", base).items()}
    cyc = {}
    for i in range(runs):
        for k, v in bench_run(build, False, "tcg", base).items():
            cyc.setdefault(k, []).append(v[0])
    return insn, {k: median(v) for k, v in cyc.items()}


def ratios(capos, linux):
    """Returns [(label, capOS count, Linux count, Linux / capOS)] for every
    pair of PAIRS that both sides measured; capos and linux map benchmark
    names to instruction counts."""
    rows = []
    for c, lx, label in PAIRS:
        if capos.get(c) and linux.get(lx):
            rows.append((label, capos[c], linux[lx], linux[lx] / capos[c]))
    return rows


def print_ratios(capos, linux):
    """Prints the ratio table for ratios(capos, linux)."""
    print("%-44s %10s %10s %12s" % ("capOS vs Linux (instructions)", "capOS",
                                    "Linux", "Linux/capOS"))
    for label, c, lx, r in ratios(capos, linux):
        print("%-44s %10d %10d %11.2fx" % (label, c, lx, r))


def check_host(binary):
    """Runs the program on this host; returns why it failed, or None."""
    try:
        p = subprocess.run([os.path.abspath(binary)], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "timed out (a ping-pong deadlocked?)"
    lines = p.stdout.split("\n")
    got = parse(lines)
    if p.returncode != 0:
        return "exit status %d:\n%s" % (p.returncode, p.stdout)
    missing = [n for n, _ in LINUX_NAMES if n not in got and n not in OPTIONAL]
    if missing:
        return "no line for %s:\n%s" % (", ".join(missing), p.stdout)
    if "bench: done" not in lines:
        return "no 'bench: done':\n" + p.stdout
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=3,
                    help="boots without -icount for cycles (median)")
    ap.add_argument("--check-host", metavar="BINARY")
    a = ap.parse_args()
    if a.check_host:
        why = check_host(a.check_host)
        if why:
            print("check-linux-bench-builds: FAILED: " + why)
            return 1
        return 0
    qv = subprocess.run(["qemu-system-x86_64", "--version"],
                        stdout=subprocess.PIPE, text=True).stdout.split("\n")[0]
    insn, cyc = bench(a.build, a.runs)
    print("Linux baseline: %s, TCG, -cpu max, 1 CPU, -append %r" % (qv, APPEND))
    print("instructions: %s %s (bit-identical run to run)" %
          (" ".join(ICOUNT_FLAGS), " ".join(SEED_FLAGS)))
    print("cycles: TSC without -icount, median of %d runs (noisy)" % a.runs)
    print()
    print("%-46s %14s %12s" % ("benchmark", "instructions", "cycles"))
    for key, label in LINUX_NAMES:
        i, c = insn.get(key), cyc.get(key)
        if i is None and c is None:
            continue
        print("%-46s %14s %12s" % (label, i if i is not None else "-",
                                   c if c is not None else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
