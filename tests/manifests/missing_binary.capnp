# missing_binary.capnp - binaries names "ghost", which is not a boot module.
#
# A broken manifest for the boot tests: it encodes fine, and validation must
# reject it with MANIFEST_ERR_MISSING_MODULE, naming the offending field. It
# has exactly one defect; apart from "ghost" it uses only the binaries of
# system/system.capnp (init, hello, ticker).

@0xf0e8314041734daa;

using Capos = import "/capos.capnp";

const defaultSystem :Capos.SystemManifest = (
  schemaVersion = 1,
  binaries = ["init", "hello", "ghost"],
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
    (name = "ghost", binary = "ghost",
     caps = [(name = "console", source = (kernel = console))]),
  ],
);
