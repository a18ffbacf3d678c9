# generic.capnp - capnpc-c refuses: a generic struct.
@0xe63b4d5a2f3c4e72;
struct Box(T) { item @0 :T; }
