# `make test` is what CI runs (.ci/run). Every target sets itself up first (.ci/setup is
# idempotent: seconds when everything is installed, a few minutes on a fresh machine).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

# npm's binaryen, never Debian's (too old: builds a module that fails to load).
export PATH := $(CURDIR)/.ci/node_modules/binaryen/bin:$(HOME)/.cargo/bin:$(PATH)
export ALLPASS_VECTORS_DIR ?= $(abspath $(CURDIR)/../shared/vectors)
export ALLPASS_CONSUMER_DIR := $(CURDIR)/target/npm/consumer

WASM_PACK_BUILD := wasm-pack build --mode no-install --release --out-name allpass_crypto --no-pack
WASM_PACK_TEST := wasm-pack test --mode no-install
PASSES := .ci/require-passes
VERSION := $(shell sed -nE 's/^  "version": "(.*)",$$/\1/p' pkg/package.json)

.PHONY: setup build pack test test-rust test-wasm-node test-wasm-chrome test-node serve bench clean

setup:
	@bash .ci/setup

## build: the npm package in pkg/ (web ESM build + Node CommonJS build of one .wasm)
build: setup
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

test: test-rust test-wasm-node test-wasm-chrome test-node
	@echo "make test: all suites passed"

test-rust: setup
	cargo test --all-targets 2>&1 | $(PASSES) "cargo test"
	cargo test --doc 2>&1 | $(PASSES) "cargo test --doc"

test-wasm-node: setup
	$(WASM_PACK_TEST) --node -- --test wasm 2>&1 | $(PASSES) "wasm-pack test --node"

# WASM_BINDGEN_USE_BROWSER=1 makes the runner run, not skip, tests without run_in_browser.
test-wasm-chrome: setup
	WASM_BINDGEN_USE_BROWSER=1 $(WASM_PACK_TEST) --headless --chrome -- --test wasm 2>&1 | $(PASSES) "wasm-pack test --chrome"

test-node: pack
	node --test --test-reporter=tap tests/node/*.test.mjs 2>&1 | $(PASSES) "node --test"

clean:
	rm -rf target pkg/dist pkg/README.md
