# struct_default.capnp - capnpc-c refuses: a default value for a struct
# field.
@0xe63b4d5a2f3c4e74;
struct Point { x @0 :Int32; }
struct Shape { at @0 :Point = (x = 1); }
