# samples.capnp - constants encoded with `capnp eval --binary` at build time
# (mk/capnp.mk), the second way the reference tool produces binary that
# tests/host/test_capnp_conformance.c reads back.
@0xc18a4a899dc5621a;

using C = import "conformance.capnp";

const evalSample :C.AllTypes = (
  int16Field = -2,
  uint64Field = 0x8000000000000001,
  textField = "from capnp eval",
  structList = [(id = 10, name = "ten"), (id = 11)],
  listList = [[7], [8, 9]],
  boolList = [false, true],
  choice = (word = "eval union") );
