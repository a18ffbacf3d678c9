# wrong_id.capnp - capnpc-c refuses: a constant named like interface Echo's
# id macro that does not hold Echo's id.
@0xe63b4d5a2f3c4e78;
interface Echo { echo @0 () -> (); }
const echoInterfaceId :UInt64 = 1;
