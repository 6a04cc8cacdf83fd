#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL for the test suite (no systemd needed).
#
#   .ci/postgres.sh start   # prints: export HEARTH_TEST_PG_URL=postgresql+asyncpg://...
#   .ci/postgres.sh stop
#
# Settings (environment): PG_PORT (55432), PG_DATA (/tmp/hearth-pg/data),
# PG_SOCKET_DIR (/tmp/hearth-pg), PG_DB (hearth_test), PG_USER (hearth), PG_PASSWORD (hearth).
set -euo pipefail

PG_PORT="${PG_PORT:-55432}"
PG_ROOT="${PG_ROOT:-/tmp/hearth-pg}"
PG_DATA="${PG_DATA:-$PG_ROOT/data}"
PG_SOCKET_DIR="${PG_SOCKET_DIR:-$PG_ROOT}"
PG_DB="${PG_DB:-hearth_test}"
PG_USER="${PG_USER:-hearth}"
PG_PASSWORD="${PG_PASSWORD:-hearth}"
RUN_AS="${PG_RUN_AS:-postgres}"

find_bin() {
    local name="$1"
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return
    fi
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$found" ]]; then
        echo "$found"
    fi
}

ensure_installed() {
    if [[ -z "$(find_bin initdb)" ]]; then
        echo "installing PostgreSQL from the distribution packages" >&2
        if [[ "$(id -u)" -eq 0 ]]; then
            apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
        else
            sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
        fi
    fi
}

# Run a command as the server's owner (initdb refuses to run as root).
as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        if ! id "$RUN_AS" >/dev/null 2>&1; then
            useradd --system --no-create-home "$RUN_AS"
        fi
        runuser -u "$RUN_AS" -- "$@"
    else
        "$@"
    fi
}

start() {
    ensure_installed
    local initdb pg_ctl psql
    initdb="$(find_bin initdb)"
    pg_ctl="$(find_bin pg_ctl)"
    psql="$(find_bin psql)"
    mkdir -p "$PG_ROOT" "$PG_SOCKET_DIR"
    if [[ "$(id -u)" -eq 0 ]]; then
        id "$RUN_AS" >/dev/null 2>&1 || useradd --system --no-create-home "$RUN_AS"
        chown "$RUN_AS" "$PG_ROOT" "$PG_SOCKET_DIR"
    fi
    if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
        as_owner "$initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null
    fi
    if ! as_owner "$pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
        as_owner "$pg_ctl" -D "$PG_DATA" -l "$PG_ROOT/server.log" -w start \
            -o "-p $PG_PORT -k $PG_SOCKET_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
    fi
    local sql=(as_owner "$psql" -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
    if [[ "$("${sql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname='$PG_USER'")" != "1" ]]; then
        "${sql[@]}" -c "CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
    fi
    if [[ "$("${sql[@]}" -c "SELECT 1 FROM pg_database WHERE datname='$PG_DB'")" != "1" ]]; then
        "${sql[@]}" -c "CREATE DATABASE $PG_DB OWNER $PG_USER"
    fi
    echo "export HEARTH_TEST_PG_URL=postgresql+asyncpg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
}

stop() {
    local pg_ctl
    pg_ctl="$(find_bin pg_ctl)"
    if [[ -n "$pg_ctl" && -f "$PG_DATA/PG_VERSION" ]]; then
        as_owner "$pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
