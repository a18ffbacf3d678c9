# wrong_version.capnp - schemaVersion 2, which this system does not support.
#
# A broken manifest for the boot tests: it encodes fine, and validation must
# reject it with MANIFEST_ERR_VERSION, naming the offending field. It has
# exactly one defect; it uses only the binaries of system/system.capnp
# (init, hello, ticker), so no other check fails first.

@0xaa8a54fcf51ef8c1;

using Capos = import "/capos.capnp";

const defaultSystem :Capos.SystemManifest = (
  schemaVersion = 2,
  binaries = ["init", "hello"],
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
  ],
);
