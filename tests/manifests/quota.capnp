# quota.capnp - a service with a small frames quota that asks for far more
# memory, next to one that runs normally.
#
# A valid manifest for the quota boot test (manifest-quota.test): quotahog
# gets the quota error for its big request and nothing else changes, then
# allocates within its quota and exits 0; hello runs as usual.

@0xfca1d41934c4ab25;

using import "/capos.capnp".SystemManifest;

const defaultSystem :SystemManifest = (
  schemaVersion = 1,
  binaries = ["init", "quotahog", "hello"],
  init = (
    binary = "init",
    caps = [
      (name = "console", source = console),
      (name = "timer", source = timer),
      (name = "frames", source = frameAllocator),
      (name = "boot", source = bootPackage),
      (name = "spawner", source = processSpawner),
    ],
  ),
  services = [
    (
      name = "quotahog",
      binary = "quotahog",
      caps = [
        (name = "console", source = (kernel = console)),
        (name = "frames", source = (kernel = frameAllocator)),
      ],
      quotas = (frames = 128, capSlots = 8, threads = 1),
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
