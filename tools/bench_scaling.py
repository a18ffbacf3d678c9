#!/usr/bin/env python3
"""SMP scaling of independent calls (issue #7), the last part of `make bench`.

Boots user/benchscale (run=benchscale) with -smp 1, 2 and 4; the program
runs T threads on T CPUs, each making calls on its own ring for a fixed
window of guest time, and prints calls per second (kinds: batches of 16
NOPs, Timer.now CALLs). Several boots per CPU count, interleaved so that a
change in the host's load falls on every count alike. The table shows the
median calls/s, its ratio to 1 CPU, and T/1: in each boot the program also
runs one thread, and T threads over one thread of the same boot is the
kernel's own scaling under one QEMU setup and host load.

Without -icount (issue #8: -icount with -smp > 1 is not usable): TCG runs
one host thread per vCPU (thread=multi), so the numbers are bounded by the
host's cores and its load. docs/performance.md, "SMP scaling".

    python3 tools/bench_scaling.py --iso build/bench/capos.iso \
        --build build/bench [--runs 5] [--cpus 1,2,4]

Exit status 1 if any boot gave no result (each failure is printed with
its log).
"""
import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402
import run_tests  # noqa: E402

CMDLINE = ("panic=exit quiet=exits "
           "run=benchscale:console+timer+threads+vm+thread")
KINDS = [("nop_batch16", "NOP in batches of 16"),
         ("timer_now", "Timer.now CALL")]
TIMEOUT = 90  # seconds per boot; one takes 2-3
HEAD = re.compile(r"^benchscale: cpus=(\d+) threads=(\d+) window_ms=(\d+)$")
LINE = re.compile(r"^benchscale: kind=(\w+) threads=(\d+) ns=(\d+) "
                  r"calls=(\d+) per_s=(\d+) thread_per_s=([\d,]+)$")
# The end of a boot: done, or anything after which no result can come.
END = re.compile(r"^benchscale: (done|error)|^PANIC|^EXCEPTION:|"
                 r"\) faulted, code|; killing it$|^\[kernel\] (no boot "
                 r"module|cannot start|no process left)")


def argv_for(iso, cpus, build):
    """QEMU's command line, for the table: multi-threaded TCG asked for by
    name (QEMU's default here, but the table says what ran)."""
    return qemu.command(iso, smp=cpus, cmdline=CMDLINE, vars_dir=build,
                        tcg_threads="multi")


def boot(iso, cpus, build, log_path):
    """One boot; returns the serial lines (stopped at done or an error)."""
    _, lines, _ = run_tests.boot(
        iso, CMDLINE, "bios", TIMEOUT, smp=cpus, log_path=log_path,
        stop_when=lambda ls: any(END.search(x) for x in ls),
        tcg_threads="multi")
    return lines


def parse(lines, cpus):
    """{(kind, threads): (per_s, [per-thread per_s])}, or a string saying
    what failed."""
    out, head = {}, None
    for ln in lines:
        m = HEAD.match(ln)
        if m:
            head = (int(m.group(1)), int(m.group(2)))
        m = LINE.match(ln)
        if m:
            out[(m.group(1), int(m.group(2)))] = (
                int(m.group(5)), [int(x) for x in m.group(6).split(",")])
    done = [i for i, x in enumerate(lines) if x == "benchscale: done"]
    errors = [x for x in lines[:done[0] if done else len(lines)]
              if END.search(x)]
    if errors:
        return errors[0]
    if head is None:
        return "no benchscale line"
    if head != (cpus, cpus):
        return "program saw %d CPUs, ran %d threads (-smp %d)" % (
            head[0], head[1], cpus)
    if not done:
        return "no done line (last line: %r)" % (lines[-1] if lines else "")
    missing = ["%s on %d" % (k, t) for k, _ in KINDS for t in sorted({1, cpus})
               if (k, t) not in out]
    if missing:
        return "no line for " + ", ".join(missing)
    return out


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iso", required=True)
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cpus", default="1,2,4")
    a = ap.parse_args()
    cpu_counts = [int(x) for x in a.cpus.split(",")]
    host = len(os.sched_getaffinity(0))
    qv = subprocess.run(["qemu-system-x86_64", "--version"],
                        stdout=subprocess.PIPE, text=True).stdout
    qv = qv.split("\n")[0]
    results = {n: [] for n in cpu_counts}  # n -> one parse() per boot
    failures = []
    load0 = os.getloadavg()[0]
    t0 = time.monotonic()
    for run in range(a.runs):
        for n in cpu_counts:
            log = os.path.join(a.build, "bench-scaling.smp%d.run%d.log" %
                               (n, run))
            r = parse(boot(a.iso, n, a.build, log), n)
            if isinstance(r, str):
                failures.append("-smp %d, run %d: %s (log: %s)" %
                                (n, run + 1, r, log))
            else:
                results[n].append(r)
    took = time.monotonic() - t0
    load1 = os.getloadavg()[0]

    flags = " ".join(argv_for(a.iso, 0, a.build)).replace("-smp 0", "-smp N")
    print("SMP scaling: independent calls per second, T threads on T CPUs "
          "(user/benchscale)")
    print("%s, no -icount; median of %d boots per CPU count (interleaved), "
          "%.0f s" % (qv, a.runs, took))
    print("flags: " + flags)
    print("note: TCG runs one host thread per vCPU and this host has %d "
          "core%s: above %d CPUs the vCPUs share host cores, so only the "
          "ratios up to %d CPUs are meaningful here (more are reported "
          "as measured)" % (host, "s" if host != 1 else "", host, host))
    print("host load average (1 min) before / after: %.2f / %.2f: other "
          "work on the host shows up as spread" % (load0, load1))
    print()
    print("%-20s %4s %12s %7s %12s %12s %7s %7s" % (
        "kind", "CPUs", "calls/s", "vs 1CPU", "per thread",
        "1 thread", "T/1", "spread"))
    for kind, label in KINDS:
        base = None
        for n in cpu_counts:
            full = [r[(kind, n)][0] for r in results[n]]
            one = [r[(kind, 1)][0] for r in results[n]]
            # T/1 per boot, then the median: both halves of a pair ran
            # under the same host load.
            paired = [f / o for f, o in zip(full, one) if o]
            med, med1 = median(full), median(one)
            if med is None:
                print("%-20s %4d %12s" % (label, n, "-"))
                continue
            if n == cpu_counts[0]:
                base = med
            print("%-20s %4d %12s %7s %12s %12s %7s %7s" % (
                label, n, "{:,}".format(med),
                "%.2fx" % (med / base) if base else "-",
                "{:,}".format(med // n), "{:,}".format(med1),
                "%.2fx" % median(paired) if paired else "-",
                "%.0f%%" % (100.0 * (max(full) - min(full)) / med)))
    print("calls/s: T = CPUs threads, median over the boots; vs 1CPU: over "
          "the 1-CPU median")
    print("1 thread: the same boots with one thread; T/1: median over the "
          "boots of T threads over 1 thread")
    print("  (both halves under one QEMU setup and nearly the same host "
          "load); spread: (max - min) / median of calls/s")
    for f in failures:
        print("FAILED: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
