#!/usr/bin/env python3
"""Runs every test of capOS and prints one closing line "N passed, N failed".

Three kinds of test, counted together:
  * host unit tests: cmocka programs (each test case counts once);
  * checks: make targets that must succeed (format, generated code, ...);
  * system tests: tests/system/*.test, each booted under QEMU on every
    firmware it names (each boot counts once).

A system test file holds "key: value" lines:
  cmdline:  kernel command line passed through fw_cfg (test=..., crash=...)
  firmware: bios and/or uefi (default both)
  exit:     pass | fail | panic - the isa-debug-exit status expected;
            none - the system keeps running: the boot is stopped once
            every expect has matched
  expect:   a regular expression that must match a serial line; several
            expect lines must match in order
  count:    N REGEX - at least N serial lines match REGEX, in any order
  reject:   a regular expression no serial line may match
  timeout:  seconds (default 120)
  manifest: boot an image whose manifest module is tests/manifests/NAME
            (or "truncated" / "random": damaged copies of the default)
A boot that hangs, triple-faults (QEMU exits without a status) or ends with
another status fails; its serial log is kept under build/test-logs/.
"""
import argparse
import concurrent.futures
import glob
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

HOST_TEST_TIMEOUT = 600  # seconds per host test program
# Every system test boots this many CPUs unless its spec says "smp: N"
# (TEST_SMP=n overrides the default for a whole run).
DEFAULT_SMP = 4

EXIT_NAMES = {qemu.EXIT_PASS: "pass", qemu.EXIT_FAIL: "fail",
              qemu.EXIT_PANIC: "panic"}


class Totals:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.failures = []

    def add(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(name + (": " + detail if detail else ""))


def run_host_tests(binaries, totals):
    for b in binaries:
        try:
            p = subprocess.run([b], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               timeout=HOST_TEST_TIMEOUT)
            out, rc = p.stdout, p.returncode
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace") if isinstance(
                e.stdout, bytes) else (e.stdout or "")
            out += "\n(timed out after %d s)\n" % HOST_TEST_TIMEOUT
            rc = -1
        passed = sum(int(m) for m in re.findall(r"\[  PASSED  \] (\d+) test", out))
        failed = sum(int(m) for m in re.findall(r"\[  FAILED  \] (\d+) test", out))
        name = os.path.basename(b)
        if rc != 0 and failed == 0:
            failed = 1  # crashed (sanitizer, signal) before cmocka summed up
        print("host   %-32s %3d passed, %d failed" % (name, passed, failed))
        if failed:
            print(out[-4000:])
        totals.passed += passed
        totals.failed += failed
        if failed:
            totals.failures.append(name)


def run_checks(checks, totals):
    for c in checks:
        p = subprocess.run(["make", "-s", c], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        ok = p.returncode == 0
        print("check  %-32s %s" % (c, "ok" if ok else "FAILED"))
        if not ok:
            print(p.stdout[-4000:])
        totals.add(c, ok)


def parse_spec(path):
    spec = {"firmware": ["bios", "uefi"], "exit": "pass", "expect": [],
            "reject": [], "timeout": 120, "cmdline": "",
            "smp": int(os.environ.get("TEST_SMP", DEFAULT_SMP)),
            "manifest": None, "count": []}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key in ("expect", "reject"):
                spec[key].append(re.compile(value))
            elif key == "count":
                n, _, rx = value.partition(" ")
                spec[key].append((int(n), re.compile(rx.strip())))
            elif key == "firmware":
                spec[key] = value.split()
            elif key in ("timeout", "smp"):
                spec[key] = int(value)
            elif key in ("exit", "cmdline", "manifest"):
                spec[key] = value
            else:
                raise SystemExit("%s: unknown key %r" % (path, key))
    return spec


def boot(iso, cmdline, firmware, timeout, smp=1, log_path=None, icount=False,
         stop_when=None, tcg_threads=None):
    """Boots once; returns (exit status or None on timeout, lines, times)."""
    extra = []
    if icount:
        extra = ["-icount", "shift=0,sleep=off",
                 "-rtc", "clock=vm,base=2024-01-01T00:00:00", "-net", "none"]
    argv = qemu.command(iso, uefi=(firmware == "uefi"), smp=smp,
                        cmdline=cmdline, extra=extra, tcg_threads=tcg_threads)
    start = time.monotonic()
    lines, times = [], []
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    status = None
    try:
        os.set_blocking(proc.stdout.fileno(), False)
        buf = b""
        while True:
            if time.monotonic() - start > timeout:
                proc.kill()
                break
            chunk = proc.stdout.read()
            if chunk:
                buf += chunk
                *done, buf = buf.split(b"\n")
                for d in done:
                    lines.append(d.decode("utf-8", "replace").rstrip("\r"))
                    times.append(time.monotonic() - start)
                if stop_when and stop_when(lines):
                    proc.kill()
                    break
            elif proc.poll() is not None:
                rest = proc.stdout.read() or b""
                buf += rest
                if buf:
                    lines.extend(buf.decode("utf-8", "replace").split("\n"))
                status = proc.returncode
                break
            else:
                time.sleep(0.02)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        qemu.cleanup_vars(argv)
    if log_path:
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        with open(log_path, "w") as f:
            f.write("# " + " ".join(argv) + "\n")
            f.write("\n".join(lines) + "\n")
            f.write("# status: %s\n" % status)
    return status, lines, times


def counts_met(spec, lines):
    for n, rx in spec["count"]:
        if sum(1 for ln in lines if rx.search(ln)) < n:
            return "fewer than %d lines match /%s/" % (n, rx.pattern)
    return None


def expects_met(spec, lines):
    if counts_met(spec, lines):
        return False
    i = 0
    for rx in spec["expect"]:
        while i < len(lines) and not rx.search(lines[i]):
            i += 1
        if i == len(lines):
            return False
        i += 1
    return True


def judge(spec, status, lines):
    """Returns None if the boot met its spec, else why not."""
    if spec["exit"] == "none":
        if status is not None:
            return "ended (status %d) but should keep running" % status
    elif status is None:
        return "timed out (hang?)"
    got = EXIT_NAMES.get(status, "status %s (triple fault or reset?)" % status)
    if spec["exit"] != "none" and got != spec["exit"]:
        return "ended with %s, expected %s" % (got, spec["exit"])
    i = 0
    for rx in spec["expect"]:
        while i < len(lines) and not rx.search(lines[i]):
            i += 1
        if i == len(lines):
            return "no line matches /%s/ (in order)" % rx.pattern
        i += 1
    why = counts_met(spec, lines)
    if why:
        return why
    for rx in spec["reject"]:
        for ln in lines:
            if rx.search(ln):
                return "forbidden line /%s/: %s" % (rx.pattern, ln)
    return None


def run_system_tests(iso, test_dir, build, totals, jobs, only=None):
    specs = sorted(glob.glob(os.path.join(test_dir, "*.test")))
    if only:
        specs = [p for p in specs
                 if os.path.splitext(os.path.basename(p))[0] in only]
    work = []
    for path in specs:
        spec = parse_spec(path)
        name = os.path.splitext(os.path.basename(path))[0]
        for fw in spec["firmware"]:
            work.append((name, fw, spec))

    # Images with other manifests are built first, one make at a time.
    isos = {}
    for _, _, spec in work:
        m = spec["manifest"]
        if m and m not in isos:
            target = os.path.join(build, "manifests", m + ".iso")
            p = subprocess.run(["make", "-s", target], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            if p.returncode:
                print(p.stdout[-3000:])
            isos[m] = target

    def one(item):
        name, fw, spec = item
        image = isos.get(spec["manifest"], iso)
        log = os.path.join(build, "test-logs", "%s.%s.log" % (name, fw))
        t0 = time.monotonic()
        stop = None
        if spec["exit"] == "none":
            stop = lambda lines: expects_met(spec, lines)  # noqa: E731
        status, lines, _ = boot(image, spec["cmdline"], fw, spec["timeout"],
                                spec["smp"], log, stop_when=stop)
        return name, fw, judge(spec, status, lines), time.monotonic() - t0, log

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        for name, fw, why, secs, log in ex.map(one, work):
            label = "%s [%s]" % (name, fw)
            print("system %-32s %s (%.1fs)" % (label, "ok" if not why else
                                                "FAILED: " + why, secs))
            if why:
                print("       log: " + log)
            totals.add(label, why is None, why or "")


def boot_to_banner(iso, build, firmware, runs=5):
    """Wall-clock seconds from QEMU's start to the banner line, sorted."""
    times = []
    for _ in range(runs):
        _, lines, stamps = boot(
            iso, "", firmware, 60,
            log_path=os.path.join(build, "bench-boot.%s.log" % firmware),
            stop_when=lambda ls: any(x.startswith("capOS ") for x in ls))
        for ln, t in zip(lines, stamps):
            if ln.startswith("capOS "):
                times.append(t)
                break
    return sorted(times)


BENCH_NAMES = [
    ("cap_enter_empty", "cap_enter with nothing to do"),
    ("nop_roundtrip", "NOP round trip (submit, cap_enter, reap)"),
    ("nop_batch16_per_nop", "NOP in a batch of 16, per NOP"),
    ("timer_now_call", "Timer.now CALL (prebuilt params)"),
    ("timer_now_client", "Timer.now through the typed client"),
    ("spawn_to_exit", "spawn-to-exit of a minimal program"),
    ("spawner_first_insn", "spawn-to-first-instruction (ProcessSpawner)"),
    ("spawner_spawn_to_exit", "spawn-to-exit through ProcessSpawner"),
    ("ep_roundtrip_empty", "endpoint round trip, empty message"),
    ("ep_roundtrip_1k", "endpoint round trip, 1 KiB each way"),
    ("ep_batch16_empty_per_call", "endpoint, 16 in flight, empty, per call"),
    ("ep_batch16_1k_per_call", "endpoint, 16 in flight, 1 KiB, per call"),
    ("park_roundtrip", "PARK/UNPARK round trip (2 threads)"),
]


def bench_run(iso, build, icount, cmdline, tag):
    """Boots one benchmark and returns {name: (cycles, ns)}."""
    done = re.compile(r"^(bench: done|spawnloop: \d+ cycles)")
    _, lines, _ = boot(iso, cmdline, "bios", 300, icount=icount,
                       log_path=os.path.join(build, "bench-%s.log" % tag),
                       stop_when=lambda ls: any(done.match(x) for x in ls))
    out = {}
    for ln in lines:
        m = re.match(r"^bench: (\w+) (\d+) cycles (\d+) ns$", ln)
        if m:
            out[m.group(1)] = (int(m.group(2)), int(m.group(3)))
        m = re.match(r"^spawnloop: (\d+) cycles per spawn-to-exit$", ln)
        if m:
            out["spawn_to_exit"] = (int(m.group(1)), None)
    return out


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else None


def bench(iso, build, runs=3, linux_base=None):
    """The benchmark table: guest instructions under -icount (exact), TSC
    cycles without it (median of runs, noisy), boot time, ISO size."""
    qv = subprocess.run(["qemu-system-x86_64", "--version"],
                        stdout=subprocess.PIPE, text=True).stdout.split("\n")[0]
    # quiet=exits: the cost of printing an exit line is not the cost of
    # a spawn.
    ring = "panic=exit quiet=exits run=bench"
    spawn = "panic=exit quiet=exits spawnloop=minimal:200"
    # Under -icount shift=0 one instruction is one virtual ns, and the
    # calibrated TSC follows the same clock: cycles there = instructions.
    insn = bench_run(iso, build, True, ring, "icount")
    insn.update(bench_run(iso, build, True, spawn, "icount-spawn"))
    cyc = {}
    for i in range(runs):
        r = bench_run(iso, build, False, ring, "tcg")
        r.update(bench_run(iso, build, False, spawn, "tcg-spawn"))
        for k, v in r.items():
            cyc.setdefault(k, []).append(v[0])
    print("capOS benchmarks: %s, TCG, -cpu max, 1 CPU" % qv)
    print("instructions: -icount shift=0,sleep=off -rtc clock=vm -net none "
          "(bit-identical run to run)")
    print("cycles: TSC without -icount, median of %d runs (noisy)" % runs)
    print()
    print("%-44s %14s %12s" % ("benchmark", "instructions", "cycles"))
    for key, label in BENCH_NAMES:
        i = insn.get(key, (None,))[0]
        c = median(cyc.get(key, []))
        print("%-44s %14s %12s" % (label, i if i is not None else "-",
                                   c if c is not None else "-"))
    if linux_base:
        import linux_baseline
        linsn, lcyc = linux_baseline.bench(build, runs, base=linux_base)
        print()
        print("Linux %s baseline, same QEMU flags (plus -seed 1): "
              "docs/linux-baseline.md" % "6.1")
        for key, label in linux_baseline.LINUX_NAMES:
            i, c = linsn.get(key), lcyc.get(key)
            print("%-44s %14s %12s" % (label, i if i is not None else "-",
                                       c if c is not None else "-"))
        print()
        linux_baseline.print_ratios({k: v[0] for k, v in insn.items()},
                                    linsn)
        print()
    for fw in ("bios", "uefi"):
        t = boot_to_banner(iso, build, fw)
        if t:
            print("%-44s %14s %11.3fs" % ("boot to banner, " + fw +
                                          " (wall clock)", "-",
                                          t[len(t) // 2]))
    print("%-44s %d bytes" % ("ISO size", os.path.getsize(iso)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--iso", required=True)
    ap.add_argument("--host-tests", default="")
    ap.add_argument("--checks", default="")
    ap.add_argument("--system-tests")
    ap.add_argument("--only", help="comma list of system test names to run")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("TEST_JOBS", "2")))
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--linux-base", help="Linux baseline directory "
                    "(make linux-baseline); omitted: capOS only")
    a = ap.parse_args()
    if a.bench:
        bench(a.iso, a.build, linux_base=a.linux_base)
        return 0
    totals = Totals()
    run_host_tests((a.host_tests or "").split(), totals)
    run_checks((a.checks or "").split(), totals)
    if a.system_tests:
        run_system_tests(a.iso, a.system_tests, a.build, totals, a.jobs,
                         a.only.split(",") if a.only else None)
    if totals.failures:
        print("failed: " + ", ".join(totals.failures))
    print("%d passed, %d failed" % (totals.passed, totals.failed))
    return 1 if totals.failed else 0


if __name__ == "__main__":
    sys.exit(main())
