# empty_enum.capnp - capnpc-c refuses: an enum without enumerants (C has no
# empty enums).
@0xe63b4d5a2f3c4e76;
enum Nothing {}
