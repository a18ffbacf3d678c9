# dangling_export.capnp - "ticker" imports export "log" of "hello", which
# exports only "echo".
#
# A broken manifest for the boot tests: it encodes fine, and validation must
# reject it with MANIFEST_ERR_UNKNOWN_EXPORT, naming the offending field. It
# has exactly one defect; it uses only the binaries of system/system.capnp
# (init, hello, ticker), so no other check fails first.

@0x962ec6dfec853188;

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
     caps = [(name = "console", source = (kernel = console))],
     exports = [(name = "echo", interfaceId = Capos.echoInterfaceId)]),
    (name = "ticker", binary = "ticker",
     caps = [(name = "log",
              source = (service = (service = "hello", export = "log")))]),
  ],
);
