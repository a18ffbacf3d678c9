# echo_gone.capnp - an exporter that ends at once, and an importer of its
# export (manifest-echo-gone.test).
#
# echo serves only a server facet named "echo"; here its export is called
# "gone", so it finds nothing to serve and exits with code 2 (restart
# never). echoclient, started after it with a copy of init's client facet
# of "gone", sees peer-closed; restarted on failure, it cannot start any
# more: echo is not running, so init has no client facet to give it.

@0xff7efa00e5c9b2af;

using import "/capos.capnp".SystemManifest;
using Capos = import "/capos.capnp";

const defaultSystem :SystemManifest = (
  schemaVersion = 1,
  binaries = ["init", "echo", "echoclient"],
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
      name = "echo",
      binary = "echo",
      exports = [(name = "gone", interfaceId = Capos.echoInterfaceId)],
      quotas = (frames = 256, capSlots = 16, threads = 1),
    ),
    (
      name = "echoclient",
      binary = "echoclient",
      caps = [
        (name = "console", source = (kernel = console)),
        (name = "echo", source = (service = (service = "echo", export = "gone"))),
      ],
      quotas = (frames = 256, capSlots = 16, threads = 1),
      restart = (mode = onFailure, maxRestarts = 2, windowMs = 60000),
    ),
  ],
  kernelParams = (logLevel = info),
);
