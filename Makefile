# Junjia: `make run` serves the embedded app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE ?= junjia.settings.embedded

.PHONY: run test venv deps dev-deps assets browser lint check-deploy lock serve clean-venv

$(PY):
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo ">> python venv module missing; installing python3-venv with apt"; \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	    rm -rf $(VENV); $(PYTHON) -m venv $(VENV); \
	  else echo "!! 请先安装 python3-venv（sudo apt-get install python3-venv）"; exit 1; fi; }
	@$(PIP) install -q --upgrade pip

$(VENV)/.deps: requirements/lock.txt | $(PY)
	$(PIP) install -q -r requirements/lock.txt
	@touch $@

$(VENV)/.dev-deps: requirements/dev-lock.txt $(VENV)/.deps
	$(PIP) install -q -r requirements/dev-lock.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps
assets: node_modules/.installed

run: deps assets
	@mkdir -p var
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py createcachetable
	$(PY) manage.py load_regions
	$(PY) manage.py load_holidays
	$(PY) manage.py load_demo --if-empty
	$(PY) manage.py load_catalogue
	$(PY) manage.py load_visit_rules
	$(PY) manage.py load_score_sheets
	$(PY) manage.py load_registry_demo --if-empty
	$(PY) manage.py load_cases_demo --if-empty
	@echo ""
	@echo "================ 演示账号（一次性密码，首次登录须修改；管理员须绑定动态口令） ================"
	@if [ -f var/demo-accounts.csv ]; then column -s, -t < var/demo-accounts.csv | head -40; echo "（完整清单：var/demo-accounts.csv，共 $$(($$(wc -l < var/demo-accounts.csv) - 1)) 个账号）"; fi
	@echo "=========================================================================================="
	@echo "打开 http://$${BIND:-127.0.0.1:8000} 登录（Ctrl+C 停止）"
	@bin/serve

# Browser tests need Debian's chromium; install it when we can, say so loudly when we cannot.
browser:
	@if command -v chromium >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo ">> installing Debian chromium and CJK fonts for browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	else \
	  echo "!!!!!!!! chromium is not installed and cannot be installed here (need root + apt)."; \
	  echo "!!!!!!!! Browser tests will be SKIPPED. Install with: sudo apt-get install chromium"; \
	fi

lint: dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

test: dev-deps assets browser lint
	DJANGO_SETTINGS_MODULE=junjia.settings.test $(VENV)/bin/python -m pytest $(PYTEST_ARGS)

check-deploy: deps
	DJANGO_SETTINGS_MODULE=junjia.settings.production \
	SECRET_KEY="$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(60))')" \
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/junjia}" \
	JUNJIA_ENCRYPTION_KEYS="k1:$$($(PY) -c 'import os,base64;print(base64.b64encode(os.urandom(16)).decode())')" \
	JUNJIA_ENCRYPTION_CURRENT_KEY=k1 \
	JUNJIA_MAC_KEY="$$($(PY) -c 'import os,base64;print(base64.b64encode(os.urandom(32)).decode())')" \
	$(PY) manage.py check --deploy --fail-level WARNING

lock: | $(PY)
	$(PIP) install -q pip-tools
	cd requirements && ../$(VENV)/bin/pip-compile -q --strip-extras --no-header -o lock.txt base.in
	cd requirements && ../$(VENV)/bin/pip-compile -q --strip-extras --no-header -o dev-lock.txt dev.in

serve:
	@bin/serve
