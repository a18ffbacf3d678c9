# system.capnp - the default capOS system: what init starts at boot.
#
# Encoded at build time by `capnp eval --binary -I schema system/system.capnp
# defaultSystem` (mk/schema.mk) and loaded as a boot module. Every manifest
# names its SystemManifest constant `defaultSystem`, so `make iso
# MANIFEST=other.capnp` works with any of them. docs/schema.md explains the
# fields and the checks.

@0x8c55416370c64680;

using import "/capos.capnp".SystemManifest;
using Capos = import "/capos.capnp";

const defaultSystem :SystemManifest = (
  schemaVersion = 1,
  binaries = ["init", "hello", "ticker", "echo", "echoclient"],
  init = (
    binary = "init",
    caps = [
      (name = "console", source = console),
      (name = "timer", source = timer),
      (name = "frames", source = frameAllocator),
      (name = "vm", source = virtualMemory),
      (name = "boot", source = bootPackage),
      (name = "spawner", source = processSpawner),
      (name = "threads", source = threadSpawner),
      (name = "thread", source = threadControl),
      (name = "endpoints", source = endpointFactory),
      (name = "caps", source = capabilityManager),
    ],
  ),
  services = [
    # Prints a greeting, reads the clock, sleeps, exits 7; never restarted.
    (
      name = "hello",
      binary = "hello",
      caps = [
        (name = "console", source = (kernel = console)),
        (name = "timer", source = (kernel = timer)),
      ],
      quotas = (frames = 256, capSlots = 16, threads = 1),
    ),
    # Prints a line every second, three times; restarted if it fails.
    (
      name = "ticker",
      binary = "ticker",
      caps = [
        (name = "console", source = (kernel = console)),
        (name = "timer", source = (kernel = timer)),
      ],
      quotas = (frames = 256, capSlots = 16, threads = 1),
      restart = (mode = onFailure, maxRestarts = 3, windowMs = 10000),
    ),
    # Serves Echo on its export "echo", forever; restarted if it fails.
    (
      name = "echo",
      binary = "echo",
      exports = [(name = "echo", interfaceId = Capos.echoInterfaceId)],
      quotas = (frames = 256, capSlots = 16, threads = 1),
      restart = (mode = onFailure, maxRestarts = 3, windowMs = 10000),
    ),
    # Calls echo's export with a few sizes, checks the bytes, exits 0.
    (
      name = "echoclient",
      binary = "echoclient",
      caps = [
        (name = "console", source = (kernel = console)),
        (name = "echo", source = (service = (service = "echo", export = "echo"))),
      ],
      quotas = (frames = 256, capSlots = 16, threads = 1),
    ),
  ],
  kernelParams = (logLevel = info),
);
