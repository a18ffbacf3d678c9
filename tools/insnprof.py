#!/usr/bin/env python3
"""Counts the guest instructions of one stretch of capOS, by function.

Boots an ISO under the benchmark's QEMU flags (-icount, one CPU) with
QEMU's gdb stub, stops at the --skip+1'th entry to --break, single-steps
--steps instructions and attributes each one to the function it ran in:
`K:name` for the kernel (capos.elf), `prog:name` for a user program (the
process's name, read from the kernel's per-CPU `current` the first time a
page-table root runs user code; symbols from <build>/user/<prog>).

With --anchor, the count covers one cycle: from the first entry to that
function in the trace to the next (e.g. one endpoint round trip between
two entries to the client facet's route hook). Every instruction counts,
so the total equals the benchmark's -icount figure for one operation
plus whatever the stepping window adds.

Why gdb and not a TCG plugin: Debian's QEMU has no plugin header, and a
single-step trace also gives the exact order of functions (--flow).
About 2,000 steps a second.

    tools/insnprof.py --build build/bench --break client_route --skip 60 \\
        --steps 9000 --anchor client_route
"""
import argparse
import bisect
import collections
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

ICOUNT = ["-icount", "shift=0,sleep=off",
          "-rtc", "clock=vm,base=2024-01-01T00:00:00", "-net", "none"]
KERNEL_HALF = 0xffff800000000000

# Runs inside gdb: writes "pc cr3" per step, and "name cr3 prog" the first
# time a root runs user code (the kernel's GS base is then in k_gs_base).
GDB_SCRIPT = r'''
import gdb, os
env = os.environ
out = open(env["INSNPROF_OUT"], "w")
gdb.execute("set pagination off")
gdb.execute("target remote 127.0.0.1:" + env["INSNPROF_PORT"])
gdb.execute("break " + env["INSNPROF_BREAK"])
gdb.execute("continue")
skip = int(env["INSNPROF_SKIP"])
if skip:
    gdb.execute("ignore 1 %d" % skip)
    gdb.execute("continue")
gdb.execute("delete")
named = set()
for _ in range(int(env["INSNPROF_STEPS"])):
    f = gdb.selected_frame()
    pc = int(f.read_register("rip")) & 0xffffffffffffffff
    cr3 = int(f.read_register("cr3"))
    if pc < 0x800000000000 and cr3 not in named:
        named.add(cr3)
        gs = int(f.read_register("k_gs_base")) & 0xffffffffffffffff
        try:
            v = gdb.parse_and_eval("((struct cpu *)%d)->current->proc->name"
                                   % gs)
            out.write("name %x %s\n" % (cr3, v.string()))
        except gdb.error:
            out.write("name %x ?\n" % cr3)
    out.write("%x %x\n" % (pc, cr3))
    gdb.execute("stepi", to_string=True)
out.close()
gdb.execute("kill")
'''


def symbols(path):
    """Sorted (address, name) of an ELF's functions; [] if it is missing."""
    if not os.path.exists(path):
        return []
    out = subprocess.run(["nm", "-n", "--defined-only", path],
                         stdout=subprocess.PIPE, text=True).stdout
    syms = []
    for ln in out.splitlines():
        p = ln.split()
        if len(p) == 3 and p[1] in "tTwW":
            syms.append((int(p[0], 16), p[2]))
    syms.sort()
    return syms


class Namer:
    """Maps (pc, root) to "prog:function"."""

    def __init__(self, build, roots):
        self.roots = roots
        self.tables = {"K": symbols(os.path.join(build, "capos.elf"))}
        for prog in set(roots.values()):
            self.tables[prog] = symbols(os.path.join(build, "user", prog))
        self.addrs = {k: [a for a, _ in v] for k, v in self.tables.items()}

    def name(self, pc, root):
        prog = "K" if pc >= KERNEL_HALF else self.roots.get(root, "?")
        table = self.tables.get(prog, [])
        i = bisect.bisect_right(self.addrs.get(prog, []), pc) - 1
        return "%s:%s" % (prog, table[i][1] if i >= 0 else "?")

    def address(self, func):
        for a, n in self.tables["K"]:
            if n == func:
                return a
        return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def trace(a, workdir):
    """Boots, steps, and returns ([(pc, root)], {root: prog})."""
    port = free_port()
    out = os.path.join(workdir, "trace.txt")
    script = os.path.join(workdir, "step.py")
    with open(script, "w") as f:
        f.write(GDB_SCRIPT)
    argv = qemu.command(a.iso, cmdline=a.cmdline, extra=ICOUNT + [
        "-gdb", "tcp:127.0.0.1:%d" % port, "-S"])
    argv[argv.index("stdio")] = "file:" + os.path.join(workdir, "serial.log")
    log = open(os.path.join(workdir, "qemu.log"), "w")
    vm = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=log)
    env = dict(os.environ, INSNPROF_OUT=out, INSNPROF_PORT=str(port),
               INSNPROF_BREAK=a.brk, INSNPROF_SKIP=str(a.skip),
               INSNPROF_STEPS=str(a.steps))
    try:
        time.sleep(0.5)  # the stub listens once QEMU is up
        gdb = subprocess.run(
            ["gdb", "-batch", "-nx", "-ex",
             "file " + os.path.join(a.build, "capos.elf"), "-x", script],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, timeout=a.timeout)
    finally:
        vm.kill()
        vm.wait()
        log.close()
    steps, roots = [], {}
    if os.path.exists(out):
        for ln in open(out):
            p = ln.split()
            if p[0] == "name":
                roots[int(p[1], 16)] = p[2]
            else:
                steps.append((int(p[0], 16), int(p[1], 16)))
    if not steps:
        sys.exit("insnprof: no trace; gdb said:\n" + gdb.stdout[-2000:])
    return steps, roots


def one_cycle(steps, anchor_pc, per_cycle):
    """The steps from the first entry to anchor_pc to the per_cycle'th
    next one (2 when both sides of a round trip enter it)."""
    hits = [i for i, (pc, _) in enumerate(steps) if pc == anchor_pc]
    if len(hits) < per_cycle + 1:
        sys.exit("insnprof: the anchor ran %d times in %d steps; step more"
                 % (len(hits), len(steps)))
    return steps[hits[0]:hits[per_cycle]]


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build", default="build/bench")
    ap.add_argument("--iso", help="default: <build>/capos.iso")
    ap.add_argument("--cmdline", default="panic=exit quiet=exits run=bench")
    ap.add_argument("--break", dest="brk", required=True,
                    help="kernel function to start stepping at")
    ap.add_argument("--skip", type=int, default=0,
                    help="entries to --break to let pass first (warm-up)")
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--anchor", help="count one cycle between two entries")
    ap.add_argument("--anchor-hits", type=int, default=1,
                    help="entries to the anchor in one cycle (default 1)")
    ap.add_argument("--top", type=int, default=60)
    ap.add_argument("--flow", help="write the run-length sequence here")
    ap.add_argument("--pcs", help="write each instruction's address, count and "
                    "prog:function here (for objdump --disassemble)")
    ap.add_argument("--trace", help="write every step's address and "
                    "prog:function here, in order (for addr2line)")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--check", action="store_true",
                    help="fail unless every instruction was attributed to "
                    "a known function, in the kernel and in a program")
    a = ap.parse_args()
    a.iso = a.iso or os.path.join(a.build, "capos.iso")

    with tempfile.TemporaryDirectory(prefix="insnprof.") as wd:
        steps, roots = trace(a, wd)
    namer = Namer(a.build, roots)
    if a.anchor:
        pc = namer.address(a.anchor)
        if pc is None:
            sys.exit("insnprof: no kernel function " + a.anchor)
        steps = one_cycle(steps, pc, a.anchor_hits)
    names = [namer.name(pc, root) for pc, root in steps]
    what = "one cycle of %s" % a.anchor if a.anchor else "the trace"
    print("insnprof: %d instructions in %s" % (len(names), what))
    for n, c in collections.Counter(names).most_common(a.top):
        print("%7d %s" % (c, n))
    if a.check:
        unknown = [n for n in names if n.endswith(":?") or n.startswith("?")]
        progs = {n.split(":")[0] for n in names}
        if unknown or "K" not in progs or len(progs) < 2:
            sys.exit("insnprof: check failed: %d unattributed, parts %s"
                     % (len(unknown), sorted(progs)))
        print("insnprof: check passed (%s)" % ", ".join(sorted(progs)))
    if a.pcs:
        with open(a.pcs, "w") as f:
            counts = collections.Counter(steps)
            for pc, root in sorted(counts):
                f.write("%x %d %s\n" % (pc, counts[(pc, root)],
                                         namer.name(pc, root)))
    if a.trace:
        with open(a.trace, "w") as f:
            for (pc, _), n in zip(steps, names):
                f.write("%x %s\n" % (pc, n))
    if a.flow:
        with open(a.flow, "w") as f:
            prev, run = None, 0
            for n in names + [None]:
                if n != prev and prev is not None:
                    f.write("%6d %s\n" % (run, prev))
                    run = 0
                prev = n
                run += 1


if __name__ == "__main__":
    main()
