# gentest_import.capnp - test schema for the code generator: types from
# another file (gentest.capnp), so that the generated header includes
# gentest.capnp.h and names its types with their own prefix.
@0x8e147c01fa7bcbb9;

using G = import "gentest.capnp";

struct Drawing {
  shapes @0 :List(G.Shapes);
  main @1 :G.Point;
  kind @2 :G.Shape = circle;
  kinds @3 :List(G.Shape);
}

interface Canvas {
  draw @0 (drawing :Drawing, around :G.Point) -> (area :UInt64);
  clear @1 (kind :G.Shape) -> ();
}

const defaultShape :G.Shape = square;
