# Stepscope's two commands: `make serve` and `make test`. Both install whatever is missing first,
# and every install step is skipped when the right version is already there.

SHELL := /bin/bash
.DEFAULT_GOAL := help
export PATH := $(HOME)/.cargo/bin:$(PATH)

E2E := tests/e2e
NODE_BIN := $(E2E)/node_modules/.bin
TRUNK_VERSION := 0.21.14
# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WB_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
PORT ?= 8080
SOURCES := $(shell find src style -type f) index.html Cargo.toml Cargo.lock Trunk.toml
WASM_RUNNER := CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner CHROMEDRIVER=/usr/bin/chromedriver

.PHONY: help tools rust-tools node-tools browser build serve test lint test-native test-web test-e2e bench fuzz sizes jsonata-suite sim-size clean

help:
	@echo "make serve   install what is missing, build the release bundle, serve it at http://127.0.0.1:$(PORT)"
	@echo "make test    install what is missing, then lint and run native, in-browser and end-to-end tests"
	@echo "make bench   print benchmarks (never pass/fail)"
	@echo "make fuzz    fuzz every reader for FUZZ_SECS seconds (600) from FUZZ_SEED (14)"

## Tools ---------------------------------------------------------------------------------------

tools: rust-tools node-tools browser

rust-tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
	@trunk --version 2>/dev/null | grep -qF "trunk $(TRUNK_VERSION)" || cargo install trunk --version $(TRUNK_VERSION) --locked
	@wasm-bindgen --version 2>/dev/null | grep -qF "wasm-bindgen $(WB_VERSION)" || cargo install wasm-bindgen-cli --version $(WB_VERSION) --force

# playwright-core (drives Debian's Chromium) and binaryen's wasm-opt (Debian's corrupts our output).
node-tools: $(E2E)/node_modules/.stamp
$(E2E)/node_modules/.stamp: $(E2E)/package.json $(E2E)/package-lock.json
	cd $(E2E) && npm ci --no-audit --no-fund
	@touch $@

browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; }

## Build and serve -----------------------------------------------------------------------------

build: dist/.stamp
dist/.stamp: $(SOURCES) | rust-tools node-tools
	trunk build --release --offline
	@touch $@

# What the first view fetches before its graph (the page, its CSS and scripts, and the first view's
# wasm), then what loads after it: the app, and the simulator on first use. gzip -9 bytes.
sizes:
	@gz() { cat "$$@" | gzip -9c | wc -c; }; \
	 first=$$(ls dist/index.html dist/*.css dist/boot-*.js dist/stepscope-view-*.js dist/stepscope-view-*_bg.wasm); \
	 snip=$$(find dist/snippets -name '*.js'); \
	 total=0; for f in $$first $$snip; do total=$$((total + $$(gz $$f))); done; \
	 printf 'build: first view %d bytes gzip (wasm %d, js %d, css %d); then the app %d (wasm %d, js %d); the simulator on first use %d\n' \
	   $$total $$(gz dist/stepscope-view-*_bg.wasm) $$(gz dist/stepscope-view-*.js) $$(gz dist/*.css) \
	   $$(( $$(gz dist/stepscope-web-*_bg.wasm) + $$(gz dist/stepscope-web-*.js) )) $$(gz dist/stepscope-web-*_bg.wasm) $$(gz dist/stepscope-web-*.js) \
	   $$(( $$(gz dist/stepscope-sim-*_bg.wasm) + $$(gz dist/stepscope-sim-*.js) ))

serve: build
	@$(MAKE) --no-print-directory sizes
	node $(E2E)/serve.mjs dist $(PORT)

## Tests ---------------------------------------------------------------------------------------

test: tools lint test-native test-web test-e2e
	@echo "make test: all suites passed"

lint: rust-tools
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --all-targets -- -D warnings

# The JSONata reference suite (jsonata-js's test-suite, as the jsonata-rs crate ships it, from the
# crates registry): the JSONata checker must agree with jsonata-core's parser on all of it.
JSONATA_SUITE := target/jsonata-suite
JSONATA_RS := 0.3.4
JSONATA_RS_SHA256 := 18dd7d7b4e42e2b5b96be668d49a2f37ef6cedd175fe98fa06ffe5bb65cacb9a
jsonata-suite: $(JSONATA_SUITE)/.stamp

# Includes a seeded five-second fuzz run over every reader (tests/fuzz.rs).
test-native: $(JSONATA_SUITE)/.stamp
	cargo test

$(JSONATA_SUITE)/.stamp:
	@mkdir -p $(JSONATA_SUITE)
	curl -sSfL --retry 3 -o $(JSONATA_SUITE).crate \
	  https://static.crates.io/crates/jsonata-rs/jsonata-rs-$(JSONATA_RS).crate
	echo "$(JSONATA_RS_SHA256)  $(JSONATA_SUITE).crate" | sha256sum -c --quiet
	tar xzf $(JSONATA_SUITE).crate -C $(JSONATA_SUITE) --strip-components=1 jsonata-rs-$(JSONATA_RS)/tests/testsuite
	@rm -f $(JSONATA_SUITE).crate
	@touch $@

FUZZ_SECS ?= 600
FUZZ_SEED ?= 14
fuzz:
	STEPSCOPE_FUZZ_SECS=$(FUZZ_SECS) STEPSCOPE_FUZZ_SEED=$(FUZZ_SEED) cargo test --release --test fuzz -- --nocapture

test-web: rust-tools browser
	$(WASM_RUNNER) cargo test --target wasm32-unknown-unknown --test web

test-e2e: build browser node-tools
	node --test --test-concurrency=1 $(E2E)/

## Benchmarks (printed, never pass/fail) --------------------------------------------------------

bench: build tests/bench/node_modules/.stamp
	@$(MAKE) --no-print-directory sizes
	cargo bench --bench core
	node tests/bench/validators.mjs
	cargo bench --bench layout
	node tests/bench/engines.mjs
	node tests/bench/load.mjs
	cargo bench --bench links
	cargo bench --bench growth
	cargo bench --bench sim
	node tests/bench/runs.mjs
	@$(MAKE) --no-print-directory sim-size

# The simulator's weight in wasm: the demo simulated, against the same program without it.
sim-size:
	@cargo build -q --release --target wasm32-unknown-unknown --example sim_size --example json_size --example parser_size
	@d=target/wasm32-unknown-unknown/release/examples; \
	 printf 'sim: engine wasm %d bytes gzip (the program %d, without the simulator %d)\n' \
	   $$(( $$(gzip -9c $$d/sim_size.wasm | wc -c) - $$(gzip -9c $$d/json_size.wasm | wc -c) )) \
	   $$(gzip -9c $$d/sim_size.wasm | wc -c) $$(gzip -9c $$d/json_size.wasm | wc -c); \
	 printf 'sim: jsonata-core parser alone %d bytes gzip (why the first view has its own)\n' \
	   $$(( $$(gzip -9c $$d/parser_size.wasm | wc -c) - $$(gzip -9c $$d/json_size.wasm | wc -c) ))

# The validators we compare against are only needed for benchmarks.
tests/bench/node_modules/.stamp: tests/bench/package.json tests/bench/package-lock.json
	cd tests/bench && npm ci --no-audit --no-fund
	@touch $@

clean:
	cargo clean
	rm -rf dist
