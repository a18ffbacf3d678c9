# gentest.capnp - test schema for the code generator (tools/capnpc-c): what
# tests/capnp/conformance.capnp does not cover. Groups, the unnamed union,
# a named union, a union inside a group, Text and Data defaults, constants
# of every kind, nested types, C keywords as names, capability and
# AnyPointer fields, and interfaces with flat, structured and named params.
# tests/host/test_gen_gentest.c checks the generated accessors against the
# reference tool; fields are append-only.
@0xd977ce88c16ad423;

const boolConst :Bool = true;
const int8Const :Int8 = -128;
const int16Const :Int16 = -1234;
const int32Const :Int32 = -2147483648;
const int64Const :Int64 = -9223372036854775808;
const uint8Const :UInt8 = 255;
const uint16Const :UInt16 = 65535;
const uint32Const :UInt32 = 4000000000;
const uint64Const :UInt64 = 0xfedcba9876543210;
const float32Const :Float32 = 1.5;
const float64Const :Float64 = -2.25;
const textConst :Text = "a \"quote\", a \\ and a\ttab??=";
const dataConst :Data = 0x"00 01 fe ff";
const enumConst :Shape = triangle;
const structConst :Point = (x = 1, y = 2);
const listConst :List(UInt32) = [1, 2];
const calculatorInterfaceId :UInt64 = 0x8d6682599d1d8dcd;

enum Shape {
  circle @0;
  square @1;
  triangle @2;
}

struct Point {
  x @0 :Int32;
  y @1 :Int32;
}

struct Nothing {}

struct Shapes {
  name @0 :Text = "unnamed";
  blob @1 :Data = 0x"ca fe";
  origin :group {
    x @2 :Int32 = -1;
    y @3 :Int32 = 1;
  }
  union {
    circle :group {
      radius @4 :UInt32 = 10;
    }
    square :group {
      side @5 :UInt32;
      filled @6 :Bool = true;
    }
    nothing @7 :Void;
    points @8 :List(Point);
  }
  style :union {
    plain @9 :Void;
    color @10 :UInt32;
    pattern @11 :Text;
    shape @12 :Shape = square;
  }
  meta :group {
    tags @13 :List(Text);
    kind :union {
      none @14 :Void;
      count @15 :UInt16;
      label @16 :Text;
    }
  }
  shapes @17 :List(Shape);
  flags @18 :List(Bool);
  nested @19 :Nested.Inner;
  anything @20 :AnyPointer;
  service @21 :Calculator;
  services @22 :List(Calculator);
  matrix @23 :List(List(Float64));
  empty @24 :Nothing;
  blobs @25 :List(Data);

  struct Nested {
    enum Level {
      low @0;
      high @1;
    }
    struct Inner {
      level @0 :Level = high;
      default @1 :UInt8;
      struct @2 :Text;
    }
  }
}

struct AddParams {
  a @0 :Int64;
  b @1 :Int64;
}

struct AddResults {
  sum @0 :Int64;
}

interface Calculator {
  add @0 AddParams -> AddResults;
  negate @1 (value :Int32) -> (value :Int32);
  describe @2 (shape :Shape, name :Text, blob :Data, exact :Bool,
               peer :Calculator, scale :Float32) -> (text :Text);
  sum @3 (values :List(Int64)) -> (total :Int64, count :UInt32);
  default @4 (arena :UInt8, b :UInt8, p :UInt8, len :Text) -> ();
  reset @5 () -> ();
}

interface Silent {}
