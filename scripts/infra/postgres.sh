# PostgreSQL 15 for scripts/infra.sh (sourced, not run): the Temporal server's
# store in the production profile, and the database server for PostgreSQL ERP
# sources. It starts in every profile because it is cheap (about 30 MB).
#
# The superuser's password is generated at initdb and written to secrets.env as
# ORDERSYNC_POSTGRES_ADMIN_URL; whoever needs a database or a role creates it
# with that URL.

PG_BIN=${ORDERSYNC_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=5432
PG_DIR=$DATA_DIR/postgres

# initdb and postgres refuse to run as the OS root; as root they run as the
# `postgres` user that Debian's package creates.
pg_user_cmd() {
  if [[ $(id -u) -eq 0 ]]; then
    PG_AS=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  else
    PG_AS=()
  fi
}

install_postgres() {
  if [[ -x $PG_BIN/postgres ]]; then return; fi
  command -v apt-get >/dev/null ||
    die "PostgreSQL 15 is missing at $PG_BIN and there is no apt-get; install it or set ORDERSYNC_POSTGRES_BIN to its bin directory."
  log "installing PostgreSQL 15 from Debian packages"
  apt_install --no-install-recommends postgresql-15 postgresql-client-15
  # Debian's package starts its own cluster on 5432; this script runs its own.
  if [[ -d /run/systemd/system ]]; then as_root systemctl disable --now postgresql >/dev/null 2>&1 || true; fi
}

init_postgres() {
  local pw pwfile
  pg_user_cmd
  log "initialising a PostgreSQL 15 data directory in $PG_DIR"
  mkdir -p "$PG_DIR"
  chmod 700 "$PG_DIR"
  [[ $(id -u) -ne 0 ]] || chown postgres:postgres "$PG_DIR"
  # Hex, so the URL needs no escaping.
  pw=$(node -e "process.stdout.write(require('crypto').randomBytes(18).toString('hex'))")
  pwfile=$(mktemp)
  printf '%s\n' "$pw" >"$pwfile"
  [[ $(id -u) -ne 0 ]] || chown postgres "$pwfile"
  # Local (socket) logins are the OS user's own; TCP logins need the password.
  if ! "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR" -U postgres --pwfile="$pwfile" -E UTF8 \
    --no-locale --auth-local=peer --auth-host=scram-sha-256 >"$DATA_DIR/logs/postgres-init.log" 2>&1; then
    rm -f "$pwfile"
    die "initdb failed; see $DATA_DIR/logs/postgres-init.log"
  fi
  rm -f "$pwfile"
  set_secret ORDERSYNC_POSTGRES_ADMIN_URL "postgres://postgres:$pw@127.0.0.1:$PG_PORT/postgres"
  log "PostgreSQL superuser password written to $DATA_DIR/secrets.env (ORDERSYNC_POSTGRES_ADMIN_URL)"
}

start_postgres() {
  if port_open "$PG_PORT"; then
    our_pid postgres "$PG_BIN/postgres" >/dev/null ||
      log "a PostgreSQL server this script did not start listens on 127.0.0.1:$PG_PORT; set ORDERSYNC_POSTGRES_ADMIN_URL to a superuser of it"
    return
  fi
  [[ -f $PG_DIR/PG_VERSION ]] || init_postgres
  pg_user_cmd
  log "starting PostgreSQL 15 on 127.0.0.1:$PG_PORT"
  spawn postgres "${PG_AS[@]}" "$PG_BIN/postgres" -D "$PG_DIR" -p "$PG_PORT" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories="$PG_DIR" -c max_connections=200
}

postgres_healthy() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 3; }

wait_postgres() {
  wait_until postgres_healthy ||
    die "PostgreSQL did not accept connections on 127.0.0.1:$PG_PORT within ${HEALTH_TIMEOUT}s. Read $DATA_DIR/logs/postgres.log."
}

# psql as the superuser over TCP, with the password from secrets.env in the
# environment rather than on the command line.
admin_psql() {
  local url
  url=${ORDERSYNC_POSTGRES_ADMIN_URL:-$(secret ORDERSYNC_POSTGRES_ADMIN_URL)}
  [[ -n $url ]] || die "ORDERSYNC_POSTGRES_ADMIN_URL is not set and $DATA_DIR/secrets.env has none"
  local pw=${url#*://*:}
  pw=${pw%%@*}
  PGPASSWORD=$pw PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"
}

postgres_status() {
  if postgres_healthy; then
    log "postgres: accepting connections on 127.0.0.1:$PG_PORT (data in $PG_DIR)"
  else
    log "postgres: not answering on 127.0.0.1:$PG_PORT"
    return 1
  fi
}
