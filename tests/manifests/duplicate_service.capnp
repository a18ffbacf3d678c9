# duplicate_service.capnp - two services are called "hello".
#
# A broken manifest for the boot tests: it encodes fine, and validation must
# reject it with MANIFEST_ERR_DUPLICATE_SERVICE, naming the offending field.
# It has exactly one defect; it uses only the binaries of system/system.capnp
# (init, hello, ticker), so no other check fails first.

@0x99f4de0e6e2bb8a5;

using Capos = import "/capos.capnp";

const defaultSystem :Capos.SystemManifest = (
  schemaVersion = 1,
  binaries = ["init", "hello", "ticker"],
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
    (name = "hello", binary = "hello",
     caps = [(name = "console", source = (kernel = console))]),
    (name = "hello", binary = "ticker",
     caps = [(name = "console", source = (kernel = console))]),
  ],
);
