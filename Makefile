# podrun build entry points. Keep targets small and documented; add new ones
# in the section they belong to.

.PHONY: all deps build fixtures host-deps setup example test test-unit test-vm bench

all: build

# --- Node dependencies and compilation ---

# npm writes node_modules/.package-lock.json on every install, so its age tells
# whether node_modules is older than package-lock.json.
deps: node_modules/.package-lock.json

# The lock file was generated from scratch (`npm install --package-lock-only` with no
# node_modules), so it lists every platform's optional packages (rollup's) and `npm ci`
# accepts it on any machine; an incremental `npm install` on one platform can drop them.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# dist/ (ESM, type-checked), then dist/exec.cjs: the exec path bundled into one CommonJS
# file, which bin/podrun runs `podrun exec` from. Node 20's ESM loader and its per-file
# module loading cost ~20 ms of exec's start-up (bench/README.md). esbuild is a
# devDependency; koffi stays outside (native module); --keep-names because error classes name
# themselves with new.target.name. import.meta does not exist in CommonJS:
# libc.ts uses the bundle's `require` instead, and import.meta.url is made undefined so
# that any other use fails loudly rather than resolving against dist/. dist/exec-stage.cjs
# is the exec stage of probes and hooks, bundled the same way (30-60 ms less per probe,
# docs/hardening.md).
EXEC_BUNDLE_FLAGS := --bundle --platform=node --format=cjs --target=node20 --keep-names \
	--external:koffi --define:import.meta.url=undefined \
	--log-override:empty-import-meta=error --log-level=warning

build: deps
	npx tsc -p tsconfig.json
	npx esbuild src/cli/exec-fast.ts $(EXEC_BUNDLE_FLAGS) --outfile=dist/exec.cjs
	npx esbuild src/container/exec-stage.ts $(EXEC_BUNDLE_FLAGS) --outfile=dist/exec-stage.cjs

# --- Test fixtures (fixtures/build/ is git-ignored) ---

FIXTURES_BUILD := fixtures/build
BUSYBOX_ROOTFS := $(FIXTURES_BUILD)/busybox-rootfs

fixtures: $(BUSYBOX_ROOTFS)/bin/busybox $(BUSYBOX_ROOTFS).tar

# Built only when missing: no prerequisites, and the tarball depends on the
# tree order-only, so a touched file in the tree does not trigger a rebuild.
$(BUSYBOX_ROOTFS)/bin/busybox:
	sh fixtures/make-busybox-rootfs.sh $(BUSYBOX_ROOTFS)

$(BUSYBOX_ROOTFS).tar: | $(BUSYBOX_ROOTFS)/bin/busybox
	tar --numeric-owner -C $(BUSYBOX_ROOTFS) -cf $@.tmp .
	mv $@.tmp $@

# --- The two commands of the README ---

host-deps:
	sh scripts/install-host-deps.sh

setup: host-deps build fixtures

# Runs the example pod end to end (as root).
example: setup
	sh scripts/example.sh

# The whole test suite: unit tests and the root-only integration tests.
test: setup
	npx vitest run
	bash vm/test-vm.sh

# The resource tests (test/vm/) in a QEMU guest with a pure cgroup v2 kernel (vm/; QEMU
# and Debian's kernel package are fetched on first use). Also part of `make test`.
test-vm: setup
	bash vm/test-vm.sh

test-unit: deps
	npx vitest run test/unit

bench: setup
	node bench/bench.mjs
