# restart.capnp - a service that crashes every time it runs, restarted on
# failure at most twice, next to one that runs normally.
#
# A valid manifest for the supervision boot test (manifest-restart.test):
# init starts "faulter", restarts it twice when it faults, then gives up on
# it; "hello" runs and exits meanwhile, untouched by it.

@0xb9b6668f95d704b8;

using import "/capos.capnp".SystemManifest;

const defaultSystem :SystemManifest = (
  schemaVersion = 1,
  binaries = ["init", "faulter", "hello"],
  init = (
    binary = "init",
    caps = [
      (name = "console", source = console),
      (name = "timer", source = timer),
      (name = "boot", source = bootPackage),
      (name = "spawner", source = processSpawner),
    ],
  ),
  services = [
    # Writes to address 0 at once. The window is generous so that three
    # runs under a slow emulator still fall inside it.
    (
      name = "faulter",
      binary = "faulter",
      caps = [(name = "console", source = (kernel = console))],
      quotas = (frames = 128, capSlots = 8, threads = 1),
      restart = (mode = onFailure, maxRestarts = 2, windowMs = 60000),
    ),
    (
      name = "hello",
      binary = "hello",
      caps = [
        (name = "console", source = (kernel = console)),
        (name = "timer", source = (kernel = timer)),
      ],
      quotas = (frames = 128, capSlots = 8, threads = 1),
    ),
  ],
);
