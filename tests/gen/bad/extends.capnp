# extends.capnp - capnpc-c refuses: an interface that extends another.
@0xe63b4d5a2f3c4e71;
interface Base { base @0 () -> (); }
interface Derived extends(Base) { derived @0 () -> (); }
