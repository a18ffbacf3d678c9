# start_failure.capnp - a service whose frames quota (2 pages) cannot hold
# its program, one whose quota init cannot pay, and one that runs normally.
#
# A valid manifest for the boot test manifest-start-failure.test: the
# graph checks pass (they know neither a binary's size nor init's ledger),
# the first two spawns fail, init reports each with its reason and starts
# ticker anyway.

@0xc271f2d44f682c38;

using import "/capos.capnp".SystemManifest;

const defaultSystem :SystemManifest = (
  schemaVersion = 1,
  binaries = ["init", "hello", "ticker"],
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
    (
      name = "tiny",
      binary = "hello",
      caps = [
        (name = "console", source = (kernel = console)),
        (name = "timer", source = (kernel = timer)),
      ],
      quotas = (frames = 2, capSlots = 8, threads = 1),
      restart = (mode = always),
    ),
    (
      name = "greedy",
      binary = "ticker",
      caps = [
        (name = "console", source = (kernel = console)),
        (name = "timer", source = (kernel = timer)),
      ],
      quotas = (frames = 4000000000, capSlots = 8, threads = 1),
    ),
    (
      name = "ticker",
      binary = "ticker",
      caps = [
        (name = "console", source = (kernel = console)),
        (name = "timer", source = (kernel = timer)),
      ],
      quotas = (frames = 128, capSlots = 8, threads = 1),
    ),
  ],
);
