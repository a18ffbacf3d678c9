# collision.capnp - capnpc-c refuses: two types whose C names are the same
# (FooBar and Foo.Bar are both collision_foo_bar).
@0xe63b4d5a2f3c4e77;
struct FooBar {}
struct Foo { struct Bar {} }
