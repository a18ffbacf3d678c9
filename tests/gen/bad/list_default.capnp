# list_default.capnp - capnpc-c refuses: a default value for a list field.
@0xe63b4d5a2f3c4e75;
struct Bytes { items @0 :List(UInt8) = [1, 2]; }
