# conformance.capnp - test schema for the C wire runtime (lib/capnp/).
#
# Covers every wire type the runtime supports: each scalar width, enums,
# text, data, nested structs, zero-sized structs, unions, non-zero defaults
# (XOR encoding) and lists of every element size, including lists of lists.
# The host conformance test hard-codes the field offsets the reference
# compiler assigns here (see `capnp compile -ocapnp conformance.capnp`), so
# fields are append-only.
@0xa98f01af6aaccce1;

enum Color {
  red @0;
  green @1;
  blue @2;
}

struct Empty {}

struct Inner {
  id @0 :UInt32;
  name @1 :Text;
}

struct AllTypes {
  voidField @0 :Void;
  boolField @1 :Bool;
  int8Field @2 :Int8;
  int16Field @3 :Int16;
  int32Field @4 :Int32;
  int64Field @5 :Int64;
  uint8Field @6 :UInt8;
  uint16Field @7 :UInt16;
  uint32Field @8 :UInt32;
  uint64Field @9 :UInt64;
  float32Field @10 :Float32;
  float64Field @11 :Float64;
  textField @12 :Text;
  dataField @13 :Data;
  structField @14 :Inner;
  enumField @15 :Color;
  emptyField @16 :Empty;

  voidList @17 :List(Void);
  boolList @18 :List(Bool);
  int8List @19 :List(Int8);
  int16List @20 :List(Int16);
  int32List @21 :List(Int32);
  int64List @22 :List(Int64);
  uint8List @23 :List(UInt8);
  uint16List @24 :List(UInt16);
  uint32List @25 :List(UInt32);
  uint64List @26 :List(UInt64);
  float32List @27 :List(Float32);
  float64List @28 :List(Float64);
  textList @29 :List(Text);
  dataList @30 :List(Data);
  structList @31 :List(Inner);
  enumList @32 :List(Color);
  emptyList @33 :List(Empty);
  listList @34 :List(List(Int32));
  textListList @35 :List(List(Text));

  choice :union {
    none @36 :Void;
    number @37 :UInt32;
    word @38 :Text;
    inner @39 :Inner;
  }
}

struct Defaults {
  boolField @0 :Bool = true;
  int8Field @1 :Int8 = -5;
  int16Field @2 :Int16 = -1234;
  int32Field @3 :Int32 = -123456;
  int64Field @4 :Int64 = -1234567890123;
  uint8Field @5 :UInt8 = 200;
  uint16Field @6 :UInt16 = 60000;
  uint32Field @7 :UInt32 = 4000000000;
  uint64Field @8 :UInt64 = 0xfedcba9876543210;
  float32Field @9 :Float32 = 1.5;
  float64Field @10 :Float64 = -2.25;
  enumField @11 :Color = blue;
}

# A typical method call: two scalars, a short text and a small blob. Used by
# tests/bench/capnp_bench.c.
struct CallParams {
  handle @0 :UInt64;
  flags @1 :UInt32;
  name @2 :Text;
  payload @3 :Data;
}

# Large enough that the reference tool splits it over two segments.
struct Big {
  tag @0 :UInt32;
  words @1 :List(UInt64);
  label @2 :Text;
  items @3 :List(Inner);
}
