# `make test` is what CI runs (.ci/run). Every target sets itself up first (.ci/setup is
# idempotent: seconds when everything is installed, a few minutes on a fresh machine).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

# npm's binaryen, never Debian's (too old: builds a module that fails to load).
export PATH := $(CURDIR)/.ci/node_modules/binaryen/bin:$(HOME)/.cargo/bin:$(PATH)
# 128-bit SIMD: AES decryption runs about 30% faster (benches/RESULTS.md). Every runtime we
# support has had it since 2021 (Chrome 91, Firefox 89, Safari 16.4, Node 16.4).
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS := -C target-feature=+simd128
export ALLPASS_VECTORS_DIR ?= $(abspath $(CURDIR)/../shared/vectors)
export ALLPASS_CONSUMER_DIR := $(CURDIR)/target/npm/consumer

WASM_PACK_BUILD := wasm-pack build --mode no-install --release --out-name allpass_crypto --no-pack
WASM_PACK_TEST := wasm-pack test --mode no-install
PASSES := .ci/require-passes
VERSION := $(shell sed -nE 's/^  "version": "(.*)",$$/\1/p' pkg/package.json)

FUZZ_SMOKE_SECONDS ?= 60
FUZZ_SECONDS ?= 900

.PHONY: setup setup-build build pack test lint test-rust test-wasm-node test-wasm-chrome test-node test-e2e test-runtimes fuzz-smoke fuzz serve bench clean

setup:
	@bash .ci/setup all

# What `make build` and `make serve` need, without the test tools (Chromium, cargo-fuzz, …).
setup-build:
	@bash .ci/setup build

## build: the npm package in pkg/ (web ESM build + Node CommonJS build of one .wasm)
build: setup-build
	$(WASM_PACK_BUILD) --target web --out-dir pkg/dist/web -- --no-default-features
	$(WASM_PACK_BUILD) --target nodejs --out-dir pkg/dist/node -- --no-default-features
	echo '{ "type": "module" }' > pkg/dist/web/package.json
	echo '{ "type": "commonjs" }' > pkg/dist/node/package.json
	rm -f pkg/dist/web/.gitignore pkg/dist/node/.gitignore
	cp README.md pkg/README.md

## pack: `npm pack` of pkg/, installed into a throwaway consumer project
pack: build
	rm -rf target/npm && mkdir -p $(ALLPASS_CONSUMER_DIR)
	cd pkg && npm pack --silent --pack-destination ../target/npm >/dev/null
	cd $(ALLPASS_CONSUMER_DIR) \
	  && echo '{ "name": "consumer", "private": true }' > package.json \
	  && echo "module.exports = require('allpass-crypto');" > entry.cjs \
	  && echo "export * from 'allpass-crypto';" > entry.mjs \
	  && npm install --silent --no-audit --no-fund ../allpass-crypto-$(VERSION).tgz

test: setup
	@rm -f target/test-counts.tsv
	$(MAKE) --no-print-directory lint test-rust test-wasm-node test-wasm-chrome test-node test-e2e test-runtimes fuzz-smoke
	@echo "make test, every suite:"; sort -k2 target/test-counts.tsv | sed 's/^/  /'
	@awk -F'\t' '{ n += $$1 } END { printf "total: %d passed, 0 failed\n", n }' target/test-counts.tsv

## lint: formatting, and clippy with the panic-freedom lints (lib.rs) on both targets
lint: setup
	cargo fmt --check
	cargo clippy --lib --all-features -- -D warnings
	cargo clippy --lib --no-default-features --target wasm32-unknown-unknown -- -D warnings
	cargo clippy --all-targets -- -D warnings

test-rust: setup
	cargo test --all-targets 2>&1 | $(PASSES) "cargo test"
	cargo test --doc 2>&1 | $(PASSES) "cargo test --doc"

test-wasm-node: setup
	$(WASM_PACK_TEST) --node -- --test wasm 2>&1 | $(PASSES) "wasm-pack test --node"

# WASM_BINDGEN_USE_BROWSER=1 makes the runner run, not skip, tests without run_in_browser.
test-wasm-chrome: setup
	WASM_BINDGEN_USE_BROWSER=1 $(WASM_PACK_TEST) --headless --chrome -- --test wasm 2>&1 | $(PASSES) "wasm-pack test --chrome"

test-node: setup pack
	node --test --test-reporter=tap tests/node/*.test.mjs 2>&1 | $(PASSES) "node --test"

## test-e2e: the www/ page in headless Chromium (playwright-core) and the inbox server's limits
test-e2e: setup build
	node --test --test-reporter=tap tests/e2e/*.test.mjs 2>&1 | $(PASSES) "node --test tests/e2e"

## test-runtimes: the packed tarball in Node (require, import, TypeScript), a browser without a
## bundler, esbuild and Vite bundles, Bun, Deno and Cloudflare workerd
test-runtimes: setup pack
	node tests/runtimes/run.mjs target/npm/allpass-crypto-$(VERSION).tgz 2>&1 | $(PASSES) "runtimes"

## fuzz-smoke: every fuzz target for a minute (part of `make test`); fuzz: longer
fuzz-smoke: setup
	.ci/fuzz $(FUZZ_SMOKE_SECONDS) 2>&1 | $(PASSES) "cargo fuzz ($(FUZZ_SMOKE_SECONDS) s a target)"

fuzz: setup
	.ci/fuzz $(FUZZ_SECONDS)

## serve: the debugging page and local webhook inbox on http://127.0.0.1:$${PORT:-8080}
serve: build
	node www/server.mjs

## bench: the benchmark suite (not part of `make test`); writes benches/RESULTS.md
bench: setup pack
	cd benches && node bench.mjs

clean:
	rm -rf target pkg/dist pkg/README.md
