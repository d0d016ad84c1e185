# Offload: make build | test | run | bench | p4 | deps | clean
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIG ?= Release
PUBLISH := build/publish
LAUNCHERS := offload-sim:simulator/Offload.Simulator offloadctl:controller/Offload.Cli offload-controller:controller/Offload.Controller offload-agent:controller/Offload.Agent offload-topo:topologies/Offload.Topology
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1

.PHONY: all build test run bench p4 deps deps-build clean

all: build

deps:
	@scripts/deps.sh test

deps-build:
	@scripts/deps.sh build

# Publishes each executable and writes a launcher for it into ./bin/.
build: deps-build
	@mkdir -p bin
	@for entry in $(LAUNCHERS); do \
	  name=$${entry%%:*}; project=$${entry#*:}; \
	  echo "build: $$name ($$project)"; \
	  $(DOTNET) publish $$project -c $(CONFIG) -o $(PUBLISH)/$$name --nologo -v quiet >/dev/null || exit 1; \
	  printf '#!/usr/bin/env bash\nexec dotnet "%s/%s/%s.dll" "$$@"\n' "$(CURDIR)/$(PUBLISH)" "$$name" "$$name" > bin/$$name; \
	  chmod +x bin/$$name; \
	done

test: deps
	@scripts/test.sh

run: build
	@scripts/run.sh

bench: deps
	$(DOTNET) run --project bench/Offload.Bench -c $(CONFIG) -- all

p4:
	@if command -v p4c >/dev/null 2>&1; then \
	  mkdir -p build/p4 && p4c --target bmv2 --arch v1model --p4runtime-files build/p4/offload.p4info.txtpb -o build/p4 p4/offload.p4 && \
	  echo "p4: build/p4/offload.json and build/p4/offload.p4info.txtpb; compare the P4Info with p4/offload.p4info.txtpb"; \
	else \
	  echo "p4: p4c is not on PATH and Debian 12 does not package it."; \
	  echo "p4: build it from source (github.com/p4lang/p4c, 'Getting started') or use a machine with the P4 tutorials VM,"; \
	  echo "p4: then run 'make p4' again. Everything else works without it: offload-sim runs the same pipeline."; \
	  exit 1; \
	fi

clean:
	rm -rf bin build
	$(DOTNET) clean Offload.sln -v quiet --nologo >/dev/null
