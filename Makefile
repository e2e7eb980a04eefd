# cliproxy: the two commands are `make serve` and `make test`; everything else is here too.
# Every target uses a local virtual environment (.venv), so nothing depends on what happens
# to be installed in the system Python.

PYTHON ?= python3
VENV   := .venv
BIN    := examples/plugin/bin
UNAME  := $(shell uname -s)
EXT    := $(if $(filter Darwin,$(UNAME)),dylib,so)
CC     ?= cc
CFLAGS ?= -O2 -Wall -Wextra
INCLUDES := -Iabi/include -Iexamples/plugin/c/common

C_PLUGINS     := $(patsubst examples/plugin/c/%/,$(BIN)/%-c.$(EXT),$(filter-out examples/plugin/c/common/,$(wildcard examples/plugin/c/*/)))
RUST_EXAMPLES := $(filter-out cliproxy-plugin target,$(notdir $(patsubst %/,%,$(wildcard examples/plugin/rust/*/))))
GO_EXAMPLES   := $(filter-out cliproxy,$(notdir $(patsubst %/,%,$(wildcard examples/plugin/go/*/))))

.PHONY: serve test test-valgrind plugins plugins-c plugins-rust plugins-go bench wheel lint clean venv

serve: venv plugins
	$(VENV)/bin/cliproxy serve --config config.yaml

test: venv plugins
	$(VENV)/bin/python -m pytest

# The loader and worker-pool tests under valgrind memcheck: no buffer crossing the ABI is
# leaked, freed twice or used after free (tests/valgrind_check.py says what counts).
test-valgrind: venv plugins
	@command -v valgrind >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq valgrind) || \
	  (echo "make test-valgrind: install valgrind first" && exit 1)
	$(VENV)/bin/python tests/valgrind_check.py

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py proxy/native/build.py proxy/native/host.c proxy/native/host.h abi/include/cliproxy_plugin.h
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip setuptools wheel
	$(VENV)/bin/python -m pip install -q -e '.[test]'
	touch $@

# Example plugins: examples/plugin/bin/<capability>-<lang>.<so|dylib>. A missing toolchain
# skips that language with a message; the tests then say what they could not run.
# Every library is built under a temporary name (with the shell's pid, so that two builds
# at once do not collide) and renamed into place: rewriting a file that a running proxy
# has mapped would crash that proxy.
plugins: plugins-c plugins-rust plugins-go

plugins-c: $(C_PLUGINS)

$(BIN)/%-c.$(EXT): examples/plugin/c/%/*.c examples/plugin/c/common/cliproxy_example.h abi/include/cliproxy_plugin.h
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) -fPIC -shared $(INCLUDES) -o $@.$$$$.tmp $(filter %.c,$^) -lpthread && mv -f $@.$$$$.tmp $@

plugins-rust:
	@if command -v cargo >/dev/null 2>&1; then \
	  cargo build --quiet --release --manifest-path examples/plugin/rust/Cargo.toml && \
	  mkdir -p $(BIN) && \
	  for name in $(RUST_EXAMPLES); do \
	    cp examples/plugin/rust/target/release/lib$$(echo $$name | tr - _)_rust.$(EXT) $(BIN)/$$name-rust.$(EXT).$$$$.tmp && \
	    mv -f $(BIN)/$$name-rust.$(EXT).$$$$.tmp $(BIN)/$$name-rust.$(EXT); \
	  done; \
	else echo "make plugins: cargo not found, skipping the Rust examples"; fi

plugins-go:
	@if command -v go >/dev/null 2>&1; then \
	  mkdir -p $(BIN) && \
	  for name in $(GO_EXAMPLES); do \
	    (cd examples/plugin/go && go build -buildmode=c-shared -o ../bin/$$name-go.$(EXT).$$$$.tmp ./$$name) || exit 1; \
	    mv -f $(BIN)/$$name-go.$(EXT).$$$$.tmp $(BIN)/$$name-go.$(EXT); \
	    rm -f $(BIN)/$$name-go.$(EXT).$$$$.h $(BIN)/$$name-go.$(EXT).$$$$.tmp.h; \
	  done; \
	else echo "make plugins: go not found, skipping the Go examples"; fi

# Benchmarks need h2load (nghttp2-client) and wrk; installed from Debian when missing.
bench: venv plugins
	@command -v h2load >/dev/null 2>&1 && command -v wrk >/dev/null 2>&1 || \
	  (apt-get update -qq && apt-get install -y -qq nghttp2-client wrk) || \
	  (echo "make bench: install h2load (nghttp2-client) and wrk first" && exit 1)
	$(VENV)/bin/python bench/run.py

wheel: venv
	$(VENV)/bin/python -m pip wheel --no-deps -w dist .

lint: venv
	$(VENV)/bin/ruff check proxy tests bench

clean:
	rm -rf $(VENV) build dist *.egg-info $(BIN) examples/plugin/rust/target \
	  proxy/native/_cliproxy*.so proxy/native/_cliproxy.c .pytest_cache .ruff_cache
