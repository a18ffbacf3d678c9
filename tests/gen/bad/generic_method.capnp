# generic_method.capnp - capnpc-c refuses: a method with its own type
# parameter.
@0xe63b4d5a2f3c4e73;
interface Store { put @0 [T] (item :T) -> (); }
