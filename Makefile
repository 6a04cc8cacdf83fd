# Hearth: `make run` (the demo when DISCORD_TOKEN is unset, else the bot) and `make test`.
# Needs only Python 3.11 and make: uv is bootstrapped into .tools/ and the locked
# dependencies into .venv/.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV_PY := .venv/bin/python
export UV_PYTHON_DOWNLOADS := never
export MPLCONFIGDIR ?= $(CURDIR)/$(TOOLS)/matplotlib

.PHONY: run demo bot test test-long lint bench analyze-dev fit migration report-screenshot digest-chart clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# bytecode is compiled once here (and for Hearth's own modules before each run, when they
# changed), so a run never compiles its imports again even where PYTHONDONTWRITEBYTECODE is set
.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

COMPILE_OWN = $(VENV_PY) -m compileall -q -j0 bot cogs >/dev/null

run: .venv/.synced
	@$(COMPILE_OWN)
	@if [ -n "$$DISCORD_TOKEN" ]; then $(VENV_PY) -m bot run; else $(VENV_PY) -m bot demo; fi

demo: .venv/.synced
	@$(COMPILE_OWN)
	$(VENV_PY) -m bot demo

bot: .venv/.synced
	@$(COMPILE_OWN)
	$(VENV_PY) -m bot run

lint: .venv/.synced
	.venv/bin/ruff check bot cogs tests bench migrations
	.venv/bin/mypy bot cogs

test: lint
	.venv/bin/pytest

test-long: .venv/.synced
	HEARTH_LONG_TESTS=1 .venv/bin/pytest -m "slow or not slow"

bench: .venv/.synced
	$(VENV_PY) bench/run.py

analyze-dev: .venv/.synced
	$(VENV_PY) bench/accuracy.py

fit: .venv/.synced
	$(VENV_PY) -m bench.fit_reply_model
	$(VENV_PY) -m bench.fit_continuations

# docs/report.png: the sample's HTML report in headless Chromium (needs `chromium`)
report-screenshot: .venv/.synced
	HEARTH_REPORT_SCREENSHOT=docs/report.png .venv/bin/pytest -p no:warnings tests/test_report_browser.py

# docs/digest.png: the sample's digest chart for 2025-W03 with its server settings (community.json)
SAMPLE_SERVER := --timezone Europe/Berlin --staff 932722153046933520 --staff 1017359624958902289 \
	--staff 1234168672625360914 --staff 1035392055158767635 --staff 920488438627565588 \
	--help-channel 1144503675125760010 --help-channel 1144507701657600011
digest-chart: .venv/.synced
	$(VENV_PY) -m bot digest bot/sample/data/exports --out $(TOOLS)/digest-sample --week 2025-W03 $(SAMPLE_SERVER)
	cp $(TOOLS)/digest-sample/digest.png docs/digest.png

migration: .venv/.synced
	@test -n "$(m)" || (echo 'usage: make migration m="what changed"'; exit 2)
	.venv/bin/alembic revision --autogenerate -m "$(m)"

clean:
	rm -rf .venv $(TOOLS) .mypy_cache .ruff_cache
