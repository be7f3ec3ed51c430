# `make test` is what CI runs (.ci/run); `make check` is the quick loop while working. Every
# target sets itself up first (.ci/setup is idempotent: seconds when everything is installed,
# about five minutes on a fresh machine). Run one suite with its own target (`make help` lists
# them), one file with FILE=…:
#   make test-node FILE=tests/node/errors.test.mjs
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

# npm's binaryen, never Debian's (too old: builds a module that fails to load).
export PATH := $(CURDIR)/.ci/node_modules/binaryen/bin:$(HOME)/.cargo/bin:$(PATH)
export ALLPASS_CONSUMER_DIR := $(CURDIR)/target/npm/consumer

# The flags (+simd128, wasm-opt -Os) live in .cargo/config.toml and wasm/Cargo.toml, so a plain
# `wasm-pack build wasm/` makes the same module (checked by test-standalone).
WASM_PACK_BUILD := wasm-pack build wasm --mode no-install --release --out-name allpass_crypto --no-pack
WASM_PACK_TEST := wasm-pack test --mode no-install
PASSES := .ci/require-passes
VERSION := $(shell sed -nE 's/^  "version": "(.*)",$$/\1/p' pkg/package.json)
TARBALL_ENV := ALLPASS_TARBALL=$(CURDIR)/target/npm/allpass-crypto-$(VERSION).tgz
# The Node releases the suites run on, from npm: 22, 24 and 26 (the Active LTS). tests/node runs
# whole on Node 26; on 22 and 24 only the files whose answers the runtime decides (text in and out
# of wasm memory, module loading, which .wasm loads), as the CLI's commands do. The suites that run
# on one Node (e2e, integrations, stores, the CLI's server) run on 26. The machine's Node 20 (end
# of life, still in `engines`) runs only the runtimes suite's smoke (require, import, a round trip
# with node:crypto, a bad key), where it costs a second.
NODE26 := $(CURDIR)/.ci/node-versions/node_modules/node-26/bin/node
NODE24 := $(CURDIR)/.ci/node-versions/node_modules/node-24/bin/node
OLDER_NODES := $(CURDIR)/.ci/node-versions/node_modules/node-22/bin/node $(NODE24)
NODES := $(OLDER_NODES) $(NODE26)
SMOKE_NODES := node $(NODES)
NODE_HOST_TESTS := tests/node/host.test.mjs tests/node/exports.test.mjs
# What `make check` leaves to `make test`: 100,000 hostile calls a function, a million calls and
# 64 MB payloads (about three minutes of the Node 26 run).
NODE_LONG_TESTS := tests/node/abuse.test.mjs tests/node/memory.test.mjs

FUZZ_SMOKE_SECONDS ?= 60
FUZZ_SECONDS ?= 900

.PHONY: help setup setup-check setup-build build pack check check-rust check-node test test-suites docs lint test-readme test-node-26 test-rust test-rust-wasm test-standalone test-wasm-node test-wasm-chrome test-node test-e2e test-cli test-integrations test-stores test-runtimes test-publish fuzz-smoke fuzz serve bench clean

help:
	@grep -E '^## ' Makefile | sed 's/^## /  /'

setup:
	@bash .ci/setup all

# What `make check` and `make test-node` run and nothing more (no root, no apt): the build tools,
# clippy and rustfmt, Node 22 and 24, the tests' npm packages.
setup-check:
	@bash .ci/setup check

# What `make build` and `make serve` need, without the test tools (Chromium, cargo-fuzz, …).
setup-build:
	@bash .ci/setup build

## build: the npm package in pkg/ (one web ESM build and one .wasm, loaded by every entry:
## web.mjs with init(), node.mjs/node.cjs from the file, workerd.mjs compiled; wasm/finish-build.mjs)
build: setup-build
	@# wasm-pack runs wasm-opt over every .wasm in its out dir, a previous build's too.
	rm -rf pkg/dist
	$(WASM_PACK_BUILD) --target web --out-dir ../pkg/dist/web
	node wasm/finish-build.mjs
	cp README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE pkg/

## pack: `npm pack` of pkg/, installed into a throwaway consumer project
pack: build
	rm -rf target/npm && mkdir -p $(ALLPASS_CONSUMER_DIR)
	cd pkg && npm pack --silent --pack-destination ../target/npm >/dev/null
	cd $(ALLPASS_CONSUMER_DIR) \
	  && echo '{ "name": "consumer", "private": true }' > package.json \
	  && echo "module.exports = require('allpass-crypto');" > entry.cjs \
	  && echo "export * from 'allpass-crypto';" > entry.mjs \
	  && npm install --silent --no-audit --no-fund ../allpass-crypto-$(VERSION).tgz

## check: the quick loop: lint, the core's cargo tests, and tests/node on Node 26 over the packed
## tarball but for its two long files (abuse, memory); the last line reads 'total: N passed, 0 failed'
check: setup-check
	@rm -f target/test-counts.tsv
	$(MAKE) --no-print-directory lint check-rust check-node
	@$(call TOTAL,make check)

check-rust: setup-check
	cargo test --all-targets --features test-engine 2>&1 | $(PASSES) "cargo test"

check-node: setup-check pack
	$(NODE26) --test --test-reporter=tap $(filter-out $(NODE_LONG_TESTS),$(wildcard tests/node/*.test.mjs)) 2>&1 \
	  | $(PASSES) "node --test, but for $(notdir $(NODE_LONG_TESTS)) ($$($(NODE26) --version))"

## test: every suite below (what CI runs): one after another, with fuzz-smoke (five CPU-bound
## minutes, one core) beside them; the last line reads 'total: N passed, 0 failed'
test: setup
	@rm -f target/test-counts.tsv
	$(MAKE) --no-print-directory -j2 test-suites fuzz-smoke
	@$(call TOTAL,make test)

test-suites: setup
	$(MAKE) --no-print-directory -j1 lint test-rust test-rust-wasm test-standalone test-wasm-node test-wasm-chrome test-node test-e2e test-cli test-integrations test-stores test-runtimes test-publish test-readme

# The suites' counts (.ci/require-passes wrote one line each) and their sum.
TOTAL = echo "$(1), every suite:"; sort -k2 target/test-counts.tsv | sed 's/^/  /'; \
  awk -F'\t' '{ n += $$1 } END { printf "total: %d passed, 0 failed\n", n }' target/test-counts.tsv

## docs: README's tables from the last run's results in target/readme/ (make test-runtimes, make
## test-integrations); make test fails while README differs (the performance table: make bench)
docs:
	node .ci/readme-section.mjs write

## test-readme: README's measured tables are what the last run of their suites measured
test-readme:
	node .ci/readme-section.mjs check 2>&1 | $(PASSES) "README tables"

## lint: formatting, and clippy with the panic-freedom lints on the core (native, wasm32) and the bindings
lint: setup-check
	cargo fmt --all --check
	cargo clippy --lib --all-features -- -D warnings
	cargo clippy --lib --no-default-features --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p allpass-crypto-wasm --lib --target wasm32-unknown-unknown -- -D warnings
	cargo clippy --all-targets --features test-engine -- -D warnings

## test-rust: the core's unit, vector, error and doc tests
test-rust: check-rust
	cargo test --doc 2>&1 | $(PASSES) "cargo test --doc"

WASI_TEST := CARGO_TARGET_WASM32_WASIP1_RUNNER="$(NODE24) $(CURDIR)/.ci/wasi-run.mjs" \
  cargo test --lib --target wasm32-wasip1 --no-default-features --features test-engine,getrandom

## test-rust-wasm: the core's unit tests built for wasm32 with SIMD, so the engines, the hex codec
## and the IV pool run on their real WebAssembly backend (Node 24's WASI: 20 and 22 crash on exit)
test-rust-wasm: setup
	CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-C target-feature=+simd128" $(WASI_TEST) 2>&1 | $(PASSES) "cargo test --lib (wasm32 + SIMD, WASI)"

## test-standalone: no file points outside the repo; a clone with nothing beside it builds and
## passes `cargo test --test vectors`; the core builds for both wasm32 targets without
## wasm-bindgen; plain `wasm-pack build wasm/` makes make build's module
test-standalone: setup build
	.ci/standalone 2>&1 | $(PASSES) "standalone"

## test-wasm-node / test-wasm-chrome: wasm/tests/wasm.rs inside Node and headless Chromium
test-wasm-node: setup
	$(WASM_PACK_TEST) --node wasm 2>&1 | $(PASSES) "wasm-pack test --node"

# WASM_BINDGEN_USE_BROWSER=1 makes the runner run, not skip, tests without run_in_browser.
test-wasm-chrome: setup
	WASM_BINDGEN_USE_BROWSER=1 $(WASM_PACK_TEST) --headless --chrome wasm 2>&1 | $(PASSES) "wasm-pack test --chrome"

## test-node: tests/node over the packed tarball: all of it on Node 26, what the runtime decides
## on Node 22 and 24 (FILE=… for one file, on all three)
test-node: test-node-26
	for node in $(OLDER_NODES); do \
	  version=$$($$node --version); \
	  $$node --test --test-reporter=tap $(or $(FILE),$(NODE_HOST_TESTS)) 2>&1 | $(PASSES) "node --test ($$version)"; \
	done

test-node-26: setup-check pack
	$(NODE26) --test --test-reporter=tap $(or $(FILE),tests/node/*.test.mjs) 2>&1 | $(PASSES) "node --test ($$($(NODE26) --version))"

## test-e2e: the inbox server's limits (the page in the browsers: test-cli)
test-e2e: setup build
	$(NODE26) --test --test-reporter=tap $(or $(FILE),tests/e2e/*.test.mjs) 2>&1 | $(PASSES) "node --test tests/e2e"

## test-cli: `npx allpass-crypto` from the packed tarball: every command on Node 22, 24 and 26;
## serve with the page's whole suite in Chromium (page-suite.mjs), the page in Firefox and
## WebKit, and the inbox's memory bound
test-cli: setup pack
	for node in $(NODES); do \
	  version=$$($$node --version); \
	  $(TARBALL_ENV) $$node --test --test-reporter=tap $(or $(FILE),tests/cli/commands.test.mjs) 2>&1 | $(PASSES) "node --test tests/cli/commands ($$version)"; \
	done
	$(if $(FILE),,$(TARBALL_ENV) $(NODE26) --test --test-reporter=tap tests/cli/serve.test.mjs tests/cli/browsers.test.mjs tests/cli/memory.test.mjs 2>&1 | $(PASSES) "node --test tests/cli (serve, browsers, memory)")

## test-integrations: the webhook handler and middleware under real servers from npm (node:http,
## Express 5, Fastify 5, Koa 3, Hono on Node and in workerd, Deno.serve, Bun.serve, NestJS 11,
## Next.js 16 built with Turbopack and webpack: Node.js and Edge routes, server and client components
## in Chromium; Vite SSR hydrating in Chromium; AWS Lambda behind its four HTTP sources, and bundled
## by esbuild), every framework's body parsers in front, the ordering helper, the API client against
## a local server, tsc --strict over a consumer
test-integrations: setup pack
	$(TARBALL_ENV) $(NODE26) --test --test-reporter=tap $(or $(FILE),tests/integrations/*.test.mjs) 2>&1 | $(PASSES) "integrations"
	$(NODE26) tests/integrations/table.mjs

## test-stores: the shared stores on real PostgreSQL and Redis (Debian's, started on free ports in
## temporary directories): the store contract through two handlers each, and the fault simulation
## (three receivers, the vendor simulator, onEvent failing, a receiver SIGKILLed, the database
## restarted mid-run; its figures in target/stores-results/)
test-stores: setup pack
	$(TARBALL_ENV) $(NODE26) --test --test-reporter=tap $(or $(FILE),tests/stores/*.test.mjs) 2>&1 | $(PASSES) "stores"

## test-runtimes: the packed tarball in Node 20/22/24/26 (require, import), TypeScript, a browser
## without a bundler, esbuild and Vite bundles, Bun, Deno and Cloudflare workerd (saves README's
## "Works in" table for make docs)
test-runtimes: setup pack
	node tests/runtimes/run.mjs target/npm/allpass-crypto-$(VERSION).tgz $(SMOKE_NODES) 2>&1 | $(PASSES) "runtimes"

## test-publish: what `npm publish` would ship (the packed tarball), checked by publint and
## @arethetypeswrong/cli: no message from either
test-publish: setup-check pack
	.ci/publish-check target/npm/allpass-crypto-$(VERSION).tgz 2>&1 | $(PASSES) "publint, attw"

## fuzz-smoke: every fuzz target for a minute (part of `make test`); fuzz: longer
fuzz-smoke: setup
	.ci/fuzz $(FUZZ_SMOKE_SECONDS) 2>&1 | $(PASSES) "cargo fuzz ($(FUZZ_SMOKE_SECONDS) s a target)"

fuzz: setup
	.ci/fuzz $(FUZZ_SECONDS)

## serve: the debugging page and local webhook inbox (what `npx allpass-crypto serve` runs)
serve: build
	node pkg/bin/allpass-crypto.mjs serve

## bench: the benchmark suite (not part of `make test`); writes benches/RESULTS.md
bench: setup pack
	cd benches && node bench.mjs

clean:
	rm -rf target pkg/dist pkg/README.md pkg/CHANGELOG.md pkg/LICENSE-MIT pkg/LICENSE-APACHE wasm/pkg
