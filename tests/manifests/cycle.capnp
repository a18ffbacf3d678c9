# cycle.capnp - "ping" imports an export of "pong" and "pong" one of "ping",
# so neither can start first.
#
# A broken manifest for the boot tests: it encodes fine, and validation must
# reject it with MANIFEST_ERR_CYCLE, naming the offending field. It has
# exactly one defect; it uses only the binaries of system/system.capnp
# (init, hello, ticker), so no other check fails first.

@0x8c119b03e111cefb;

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
    (name = "ping", binary = "hello",
     caps = [(name = "peer",
              source = (service = (service = "pong", export = "echo")))],
     exports = [(name = "echo", interfaceId = Capos.echoInterfaceId)]),
    (name = "pong", binary = "ticker",
     caps = [(name = "peer",
              source = (service = (service = "ping", export = "echo")))],
     exports = [(name = "echo", interfaceId = Capos.echoInterfaceId)]),
  ],
);
