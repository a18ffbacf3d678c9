# undeclared_binary.capnp - a service runs binary "helo", which binaries does
# not list.
#
# A broken manifest for the boot tests: it encodes fine, and validation must
# reject it with MANIFEST_ERR_UNDECLARED_BINARY, naming the offending field.
# It has exactly one defect; it uses only the binaries of system/system.capnp
# (init, hello, ticker), so no other check fails first.

@0xf2c3451417950645;

using Capos = import "/capos.capnp";

const defaultSystem :Capos.SystemManifest = (
  schemaVersion = 1,
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
    (name = "hello", binary = "helo",
     caps = [(name = "console", source = (kernel = console))]),
  ],
);
