# mk/schema.mk - the schema check and the encoded boot manifest.
#
#   make check-schema    schema compiles; every manifest encodes and reads
#                        back; interface id constants match (in CHECKS)
#   make build/manifest.bin
#                        the boot manifest, from $(MANIFEST) (default
#                        system/system.capnp); every manifest file names its
#                        SystemManifest constant $(MANIFEST_CONST)

MANIFEST           ?= system/system.capnp
MANIFEST_CONST     ?= defaultSystem
CAPOS_SCHEMA       := schema/capos.capnp
SCHEMA_CAPNP_FLAGS := --no-standard-import -I schema

# Rebuilt on every make (MANIFEST may name another file than last time, even
# an older one) but only replaced when the bytes change, so what depends on it
# is not rebuilt for nothing.
$(BUILD)/manifest.bin: $(MANIFEST) $(CAPOS_SCHEMA) $(DEPS_STAMP) FORCE
	@mkdir -p $(@D)
	@capnp eval --binary $(SCHEMA_CAPNP_FLAGS) $(MANIFEST) $(MANIFEST_CONST) \
		> $@.tmp || { rm -f $@.tmp; exit 1; }
	@cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || \
		{ mv $@.tmp $@ && echo "  CAPNP   $@ (from $(MANIFEST))"; }

.PHONY: check-schema
CHECKS += check-schema

check-schema: $(DEPS_STAMP)
	@sh schema/check-schema.sh $(BUILD)/schema-check
