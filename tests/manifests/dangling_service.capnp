# dangling_service.capnp - "ticker" imports from a service "logger" that the
# manifest does not have.
#
# A broken manifest for the boot tests: it encodes fine, and validation must
# reject it with MANIFEST_ERR_UNKNOWN_SERVICE, naming the offending field. It
# has exactly one defect; it uses only the binaries of system/system.capnp
# (init, hello, ticker), so no other check fails first.

@0xe6815204114b90ce;

using Capos = import "/capos.capnp";

const defaultSystem :Capos.SystemManifest = (
  schemaVersion = 1,
  binaries = ["init", "ticker"],
  init = (
    binary = "init",
    caps = [
      (name = "console", source = console),
      (name = "timer", source = timer),
      (name = "boot", source = bootPackage),
      (name = "spawner", source = processSpawner),
      (name = "endpoints", source = endpointFactory),
    ],
  ),
  services = [
    (name = "ticker", binary = "ticker",
     caps = [(name = "log",
              source = (service = (service = "logger", export = "log")))]),
  ],
);
