# capos.capnp - the capOS contract: every interface the kernel implements,
# the exception carried by a refused call, the boot manifest, and an example
# service interface for endpoint tests.
#
# Ordinals (@N of fields, methods, enumerants) are append-only: a new member
# gets the next ordinal, none is ever renumbered or reused. Type ids are the
# ones `capnp` derives from this file's id and the type's name, so renaming a
# type changes its id and is a break. docs/schema.md is this file's guide.
#
# == Capabilities in params and results ==
#
# The capOS ABI does not use Cap'n Proto's capability table or interface
# pointers. Capabilities travel beside the message (docs/abi.md, "Transfer"):
#
#  - In params: the SQE carries an array of transfer descriptors (CapId +
#    copy/move). A params field of type CapIndex is an index into that array;
#    0 is the first descriptor. A kernel object refuses (invalidArgument) a
#    call with a descriptor that no CapIndex field names, so nothing is
#    transferred by accident.
#  - In results: the completion installs capabilities in the caller's table;
#    the CQE says how many (`caps`). A results field of type CapIndex is an
#    index into that list of installed capabilities, in install order (for
#    a call served by a process: the order of its RETURN's transfer
#    descriptors). Where the caller finds their CapIds is fixed by the ABI
#    (include/capos/), not here.
#  - CapId (a raw 32-bit handle in the caller's own table, docs/abi.md
#    "CapId") appears only where a method acts on the caller's table itself
#    (CapabilityManager).
#
# Why not interface-typed fields: they need capability pointers (the "other"
# pointer kind) in the wire runtime and a cap table beside every message, and
# a C generator would turn them into plain indices anyway. A UInt32 field is
# one getter, one setter, and nothing for the kernel to rewrite. The cost is
# that the schema does not type the capability; each such field says in its
# comment which interface it is (and the CapSet/runtime check the interface
# id at use).
#
# == Result buffers (R15) ==
#
# Sizes below count the whole single-segment message as Cap'n Proto frames
# it: an 8-byte segment table, the 8-byte root pointer, then the content.
# Results with no fields take 16 bytes. A refused call puts a CapException in
# the same buffer: 32 bytes plus its reason rounded up to 8 with the NUL. The
# kernel keeps its reasons to at most 95 bytes, so `minResultBuffer` (128)
# holds any kernel exception; every result buffer given to a kernel object
# should be at least that large. The CQE reports the size needed when a
# buffer is too small.

@0xe85ec4200ecfdddd;

# ---------------------------------------------------------------------------
# Shared types and constants

using CapIndex = UInt32;
# Index of a capability in the transfer list of the SQE (params) or in the
# list of capabilities installed by the completion (results). See the top.

using CapId = UInt32;
# A raw handle in the caller's own capability table (low 16 bits: slot,
# high 16 bits: generation; 0 is never valid).

const minResultBuffer :UInt32 = 128;
# Smallest result buffer that holds any result or exception of a kernel
# object, except where a method's comment names a larger size.

const maxCapNameLength :UInt32 = 31;
# Longest capability name in a CapSet entry, in bytes, without the NUL.

const manifestSchemaVersion :UInt32 = 1;
# The SystemManifest.schemaVersion this schema describes.

enum Protection {
  # Access to mapped pages. There is deliberately no read+write+execute:
  # the kernel enforces W^X for every mapping.
  none @0;          # mapped but inaccessible (a guard)
  read @1;
  readWrite @2;
  readExecute @3;
}

enum TransferPolicy {
  # Which transfer modes an object allows (docs/abi.md, "Transfer").
  none @0;          # not transferable (e.g. ProcessHandle)
  moveOnly @1;
  copyOrMove @2;
}

struct Quotas {
  # Resource limits of one process: its ledger (risks.md R4). A spawn takes
  # them out of the caller's own. An omitted field takes the default below;
  # an explicit 0 means none of that resource.
  frames @0 :UInt32 = 4096;
  # Pages of physical memory (4 KiB each) for anything mapped in the process.
  capSlots @1 :UInt32 = 256;
  # Slots in its capability table, including its initial CapSet.
  threads @2 :UInt32 = 64;
  # Threads, including the first one.
  endpointQueue @3 :UInt32 = 128;
  # Calls that may wait queued, summed over every endpoint it serves.
  kernelMemory @4 :UInt64 = 262144;
  # Bytes of kernel memory for its objects (tables, rings, endpoints).
}

struct ExitStatus {
  # How a process ended.
  union {
    exited @0 :Int64;
    # It called exit(code), or its last thread called ThreadControl.exit.
    killed @1 :Void;
    # ProcessHandle.kill.
    faulted @2 :Fault;
    # The CPU raised an exception the process did not survive.
  }
}

struct Fault {
  vector @0 :UInt8;      # x86 exception vector (14: page fault)
  errorCode @1 :UInt64;  # the CPU's error code, 0 if it pushes none
  address @2 :UInt64;    # faulting virtual address (page faults), else 0
  ip @3 :UInt64;         # instruction pointer of the faulting instruction
}

struct CapInfo {
  # One entry of CapabilityManager.list.
  capId @0 :CapId;
  transfer @1 :TransferPolicy;
  interfaceId @2 :UInt64;
}

# ---------------------------------------------------------------------------
# Exceptions

enum ExceptionType {
  failed @0;           # the object could not do it (a bug or a broken state)
  overloaded @1;       # try again later
  disconnected @2;     # the object behind the capability is gone
  unimplemented @3;    # the object does not implement this method
  invalidArgument @4;  # the params are malformed or out of range
}

struct CapException {
  # The result buffer holds this instead of the results when the CQE has the
  # EXCEPTION flag: the call reached the object and the object refused.
  # Expected outcomes that are not failures belong in the results instead.
  type @0 :ExceptionType;
  reason @1 :Text;
  # For people, not programs: never parse it. Never holds a secret.
}

# ---------------------------------------------------------------------------
# Implemented by the kernel

interface Console {
  # The serial console.

  write @0 (data :Data) -> ();
  # Writes the bytes as they are. Result buffer: 16 bytes.

  writeLine @1 (text :Text) -> ();
  # Writes the text and a line end. Result buffer: 16 bytes.

  read @2 (max :UInt32) -> (data :Data);
  # Blocks until serial input arrives, then returns at least 1 and at most
  # `max` bytes of it. Result buffer: 24 + max rounded up to 8.
}

interface Timer {
  # Monotonic time. There is no wall clock.

  now @0 () -> (ns :UInt64);
  # Nanoseconds since boot; never goes backwards. Result buffer: 24 bytes.

  sleep @1 (ns :UInt64) -> ();
  # Completes no earlier than `ns` nanoseconds after the call was taken.
  # Result buffer: 16 bytes.
}

interface FrameAllocator {
  # Physical memory, charged to the caller's `frames` quota. No program
  # ever learns a physical address through it.

  alloc @0 (pages :UInt32, contiguous :Bool) -> (memory :CapIndex);
  # `pages` zeroed frames (at least 1). `contiguous` asks for physically
  # contiguous frames, which may fail (overloaded) where scattered ones
  # would not. memory: a MemoryObject. Exceeding the quota is the transport
  # quota error and allocates nothing. Result buffer: 24 bytes.
}

interface MemoryObject {
  # A set of frames. Mapping it in several processes (after a transfer, or
  # by granting it to each) is shared memory. Addresses, offsets and lengths
  # are in bytes and must be page multiples.

  info @0 () -> (pages :UInt32, maxProt :Protection, contiguous :Bool);
  # Its size, the most access any mapping of it may have (read for a boot
  # binary), and whether its frames are contiguous. Result buffer: 24 bytes.

  map @1 (hint :UInt64, offset :UInt64, length :UInt64, prot :Protection)
      -> (addr :UInt64);
  # Maps [offset, offset+length) of it into the caller's address space with
  # `prot` (at most maxProt). hint 0: the kernel picks the address; otherwise
  # exactly `hint`, which must be free. Result buffer: 24 bytes.

  unmap @2 (addr :UInt64, length :UInt64) -> ();
  # Removes a mapping of this object made by `map`; a range not entirely a
  # mapping of this object is invalidArgument. Result buffer: 16 bytes.

  protect @3 (addr :UInt64, length :UInt64, prot :Protection) -> ();
  # Changes the access of a mapping of this object (at most maxProt).
  # Result buffer: 16 bytes.
}

interface VirtualMemory {
  # Anonymous memory in the calling process's own address space (whoever
  # holds it acts on their own). Addresses and lengths are in bytes and must
  # be page multiples; frames are charged to the caller's `frames` quota.

  reserve @0 (hint :UInt64, length :UInt64) -> (addr :UInt64);
  # Reserves an address range with no memory behind it; touching it faults.
  # hint as in MemoryObject.map. Result buffer: 24 bytes.

  commit @1 (addr :UInt64, length :UInt64, prot :Protection) -> ();
  # Backs part of a reservation with zeroed frames. Result buffer: 16 bytes.

  decommit @2 (addr :UInt64, length :UInt64) -> ();
  # Frees the frames behind part of a reservation; the range stays reserved.
  # Result buffer: 16 bytes.

  map @3 (hint :UInt64, length :UInt64, prot :Protection) -> (addr :UInt64);
  # reserve and commit in one step. Result buffer: 24 bytes.

  unmap @4 (addr :UInt64, length :UInt64) -> ();
  # Frees the frames and the reservation. Result buffer: 16 bytes.

  protect @5 (addr :UInt64, length :UInt64, prot :Protection) -> ();
  # Changes the access of committed anonymous memory. Result buffer: 16 bytes.
}

interface BootPackage {
  # The read-only boot package: the manifest and every boot binary.

  manifest @0 (offset :UInt64, max :UInt32) -> (data :Data, size :UInt64);
  # Up to `max` bytes of the encoded SystemManifest from `offset` (empty at
  # or past the end), and the manifest's total size. Result buffer: 32 + max
  # rounded up to 8.

  binary @1 (name :Text) -> (memory :CapIndex, size :UInt64);
  # The boot binary called `name`, as a read-only MemoryObject (maxProt
  # read), and its size in bytes. An unknown name is invalidArgument.
  # Result buffer: 32 bytes.
}

struct SpawnGrant {
  # One capability for a child: it appears in the child's CapSet as `name`.
  name @0 :Text;        # at most maxCapNameLength bytes, unique in the child
  cap @1 :CapIndex;     # index in the SQE's transfer list (copy or move)
}

struct ExportDecl {
  # An endpoint a service serves. Spawning creates it: the child gets the
  # server facet (an Endpoint) in its CapSet under `name`, the spawner's
  # caller gets the client facet (a ClientEndpoint of `interfaceId`).
  name @0 :Text;
  interfaceId @1 :UInt64;
  # The Cap'n Proto id of the interface it serves; never 0. See the
  # *InterfaceId constants below for the ones a manifest may use.
}

interface ProcessSpawner {
  # Starting a program with exactly the listed capabilities.

  spawn @0 (name :Text, binary :Text, grants :List(SpawnGrant),
            exports :List(ExportDecl), session :UInt64, quotas :Quotas)
        -> (process :CapIndex, clients :List(CapIndex));
  # Starts boot binary `binary` as a new process called `name` (for
  # diagnostics). Its CapSet holds the grants, in order, then the server
  # facets of `exports`, in order. `session` is an opaque label the child
  # runs under (0: the caller's own); servers never see it, only a
  # per-service reference derived from it. `quotas` come out of the caller's
  # own (the transport quota error if they do not fit, and nothing
  # happens). process: a ProcessHandle; clients[i]: the client facet of
  # exports[i]. Result buffer: 32 + 4 * len(exports) rounded up to 8.

  ledger @1 () -> (limits :Quotas, used :Quotas);
  # The caller's own ledger: its limits and what it uses now, counting the
  # whole quotas of the children it spawned and that still run (what spawn
  # can still take is limits - used). Result buffer: 120 bytes.
}

interface ProcessHandle {
  # One child process. Not transferable. Releasing it does not stop the
  # child.

  wait @0 () -> (status :ExitStatus);
  # Completes when the process has ended (at once if it already has).
  # Result buffer: 80 bytes.

  kill @1 () -> ();
  # Ends the process; its waiters see `killed`. Killing an ended process
  # does nothing. Result buffer: 16 bytes.

  info @2 () -> (name :Text, binary :Text, running :Bool, limits :Quotas,
                 used :Quotas);
  # Its names, whether it still runs, its ledger's limits and what it uses
  # now. Result buffer: 168 bytes.
}

interface ThreadSpawner {
  # New threads in the caller's own process, each with its own ring.

  spawn @0 (entry :UInt64, stack :UInt64, arg :UInt64)
        -> (thread :CapIndex, threadId :UInt32);
  # Starts a thread at `entry` with rsp = `stack` (16-byte aligned),
  # rdi = its ring's address, rsi = its thread id, rdx = `arg`. Charged to
  # the `threads` quota. thread: a ThreadHandle. Result buffer: 24 bytes.
}

interface ThreadHandle {
  # One thread. Releasing it detaches the thread (nobody can join it).

  join @0 () -> (code :Int64);
  # Completes when the thread has exited, with its exit code. Result
  # buffer: 24 bytes.
}

interface ThreadControl {
  # Acts on the calling thread only, whoever holds it.

  exit @0 (code :Int64) -> ();
  # Ends the calling thread; this call never completes. The last thread's
  # exit ends the process with `code`. Result buffer: none needed.

  setTlsBase @1 (addr :UInt64) -> ();
  # Sets the calling thread's FS base. Result buffer: 16 bytes.
}

interface Endpoint {
  # The server facet of an endpoint: RECV takes its queued calls and RETURN
  # answers them (docs/abi.md). It has no methods of its own.
}

interface ClientEndpoint {
  # The client facet of an endpoint: CALL only. It has no methods of its
  # own: a call carries the method ordinal of the interface the server
  # declared (EndpointFactory.create's interfaceId) and the kernel routes it
  # to the server unread. For the same reason a client facet's interface id
  # (in a CapSet, in CapabilityManager.list) is the declared interface's id,
  # never this one's; this declaration exists to name the facet.
}

interface EndpointFactory {
  # Making new services.

  create @0 (interfaceId :UInt64) -> (server :CapIndex, client :CapIndex);
  # A new endpoint serving `interfaceId` (never 0). server: its Endpoint;
  # client: a ClientEndpoint. Result buffer: 24 bytes.
}

interface CapabilityManager {
  # Inspecting and revoking the caller's own capability table.

  list @0 () -> (caps :List(CapInfo));
  # Every capability in the caller's table, in slot order. Result buffer:
  # 32 + 16 per capability (4128 for a full 256-slot table).

  revoke @1 (cap :CapId) -> ();
  # Removes `cap` from the caller's table before this call completes (a
  # RELEASE may wait for the next cap_enter). Copies held by others are not
  # touched. Result buffer: 16 bytes.
}

interface DeviceMmio {
  # The register window of one device.

  map @0 () -> (addr :UInt64, length :UInt64);
  # Maps the registers uncached, read-write, into the caller's address
  # space. Result buffer: 32 bytes.

  unmap @1 () -> ();
  # Removes that mapping. Result buffer: 16 bytes.
}

interface Interrupt {
  # One device's interrupt.

  wait @0 () -> (count :UInt32);
  # Re-enables the interrupt if the kernel masked it, then blocks until it
  # fires; count: how often it fired since the previous wait. The driver
  # must have quieted the device before waiting again. Result buffer: 24
  # bytes.
}

interface DmaPool {
  # DMA-able memory for one device. The device can reach only buffers from
  # its own pool (with an IOMMU, risks.md R9).

  alloc @0 (pages :UInt32) -> (memory :CapIndex, deviceAddress :UInt64);
  # `pages` zeroed contiguous frames, charged to the caller's `frames`
  # quota. memory: a MemoryObject; deviceAddress: the address the device
  # uses for it (an I/O virtual address behind an IOMMU). Result buffer: 32
  # bytes.
}

# ---------------------------------------------------------------------------
# The boot manifest
#
# Written as a `const` of type SystemManifest (system/system.capnp), encoded
# with `capnp eval --binary`, loaded as a boot module. The kernel starts
# init; init spawns the services in dependency order. docs/schema.md lists
# every check made on it.

struct SystemManifest {
  schemaVersion @0 :UInt32;
  # Must equal manifestSchemaVersion.
  binaries @1 :List(Text);
  # Names of the boot binaries; each must be a boot module of that name.
  init @2 :InitConfig;
  services @3 :List(ServiceDecl);
  # Started by init, in dependency order, ties in this order.
  kernelParams @4 :KernelParams;
}

struct InitConfig {
  binary @0 :Text;
  # One of `binaries`.
  caps @1 :List(KernelGrant);
  # What the kernel puts in init's CapSet, in this order.
}

enum KernelSource {
  # Kernel objects a manifest can grant. Device capabilities (DeviceMmio,
  # Interrupt, DmaPool) need a device named too; they will be a separate
  # member of CapGrant.source.
  console @0;
  timer @1;
  frameAllocator @2;
  virtualMemory @3;
  bootPackage @4;
  processSpawner @5;
  threadSpawner @6;
  threadControl @7;
  endpointFactory @8;
  capabilityManager @9;
}

struct KernelGrant {
  name @0 :Text;            # its name in the CapSet
  source @1 :KernelSource;
}

struct ServiceRef {
  # An export of another service.
  service @0 :Text;         # the exporting service's name
  export @1 :Text;          # one of its ExportDecl names
}

struct CapGrant {
  name @0 :Text;
  # Its name in the service's CapSet: at most maxCapNameLength bytes,
  # unique among the service's caps and exports.
  source :union {
    kernel @1 :KernelSource;
    # init passes on its own capability; init must hold this source.
    service @2 :ServiceRef;
    # The client facet of another service's export: that service starts
    # first.
  }
}

enum RestartMode {
  never @0;        # a service that ends stays down
  onFailure @1;    # restart unless it exited with code 0
  always @2;       # restart whenever it ends
}

struct RestartPolicy {
  mode @0 :RestartMode;
  maxRestarts @1 :UInt32 = 3;
  # After this many restarts within `windowMs`, init gives up on it and
  # says so.
  windowMs @2 :UInt32 = 10000;
}

struct ServiceDecl {
  name @0 :Text;
  # Unique among services; at most maxCapNameLength bytes.
  binary @1 :Text;
  # One of `binaries`.
  caps @2 :List(CapGrant);
  exports @3 :List(ExportDecl);
  quotas @4 :Quotas;
  # Taken out of init's own. capSlots must cover caps plus exports.
  restart @5 :RestartPolicy;
}

enum LogLevel {
  info @0;
  debug @1;
  warning @2;
  error @3;
}

struct KernelParams {
  logLevel @0 :LogLevel;
  # Least severe kernel message printed on the console.
  timeSliceUs @1 :UInt32 = 10000;
  # Scheduler time slice, in microseconds.
}

# ---------------------------------------------------------------------------
# Example service interface (endpoint tests)

interface Echo {
  echo @0 (data :Data) -> (data :Data);
  # Returns `data` unchanged. Result buffer: 24 + len(data) rounded up to 8.
}

const echoInterfaceId :UInt64 = 0x892179ca0968c1e2;
# Echo's interface id, for ExportDecl.interfaceId in manifests. `make
# check-schema` fails if an *InterfaceId constant differs from its
# interface's id.
