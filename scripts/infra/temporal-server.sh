# Temporal's own server on PostgreSQL for scripts/infra.sh (sourced, not run):
# the production profile, ORDERSYNC_TEMPORAL=server. The dev server (SQLite, one
# history shard) stays the default.
#
# The history shard count (ORDERSYNC_TEMPORAL_SHARDS, 4 by default) is fixed
# when the database is first set up; the server ignores a later value, so a new
# count needs `infra reset`.

TEMPORAL_SERVER_VERSION=v1.29.7
TEMPORAL_SERVER_BIN_DIR=$CACHE_DIR/temporal-server-$TEMPORAL_SERVER_VERSION/bin
TEMPORAL_SERVER_BIN=$TEMPORAL_SERVER_BIN_DIR/server
TEMPORAL_SQL_BIN=$TEMPORAL_SERVER_BIN_DIR/sql
# The UI server the Temporal CLI embeds, built on its own so it can point at
# this frontend and at the codec server.
TEMPORAL_UI_VERSION=v2.42.1
TEMPORAL_UI_BIN=$CACHE_DIR/temporal-ui-$TEMPORAL_UI_VERSION/bin/server
TEMPORAL_SHARDS=${ORDERSYNC_TEMPORAL_SHARDS:-4}
TEMPORAL_SERVER_DIR=$DATA_DIR/temporal-server
TEMPORAL_METRICS_PORT=8000

check_temporal_mode() {
  [[ $TEMPORAL_MODE == dev || $TEMPORAL_MODE == server ]] ||
    die "ORDERSYNC_TEMPORAL=$TEMPORAL_MODE is not supported; use dev (the default) or server."
  [[ $TEMPORAL_SHARDS =~ ^[1-9][0-9]*$ ]] ||
    die "ORDERSYNC_TEMPORAL_SHARDS=$TEMPORAL_SHARDS must be a positive integer."
}

install_temporal_server() {
  if [[ -x $TEMPORAL_SERVER_BIN && -x $TEMPORAL_SQL_BIN && -x $TEMPORAL_UI_BIN ]]; then return; fi
  command -v go >/dev/null || die "Go is needed to build the Temporal server (go >= 1.25). Install Go and retry."
  log "building Temporal server $TEMPORAL_SERVER_VERSION, its SQL tool and UI server $TEMPORAL_UI_VERSION with go install (first time only, several minutes)"
  mkdir -p "$TEMPORAL_SERVER_BIN_DIR" "$(dirname "$TEMPORAL_UI_BIN")"
  # Later server lines need a newer Go than 1.25; v1.29.7 is the newest that builds here.
  GOBIN=$TEMPORAL_SERVER_BIN_DIR GOFLAGS=-trimpath go install \
    "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" \
    "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" ||
    die "go install of the Temporal server failed; see the output above."
  GOBIN=$(dirname "$TEMPORAL_UI_BIN") GOFLAGS=-trimpath \
    go install "github.com/temporalio/ui-server/v2/cmd/server@$TEMPORAL_UI_VERSION" ||
    die "go install of the Temporal UI server failed; see the output above."
}

# A role `temporal` owning the two databases, with its own generated password;
# the schemas come from the SQL tool, which carries them compiled in.
setup_temporal_databases() {
  local marker=$TEMPORAL_SERVER_DIR/schema-shards pw db
  if [[ -f $marker ]]; then
    local had
    had=$(<"$marker")
    [[ $had == "$TEMPORAL_SHARDS" ]] ||
      log "the Temporal database was set up with $had history shards; ORDERSYNC_TEMPORAL_SHARDS=$TEMPORAL_SHARDS takes effect only after 'npm run infra -- reset'"
    return
  fi
  mkdir -p "$TEMPORAL_SERVER_DIR"
  chmod 700 "$TEMPORAL_SERVER_DIR"
  pw=$(node -e "process.stdout.write(require('crypto').randomBytes(18).toString('hex'))")
  log "creating the temporal role and the temporal, temporal_visibility databases"
  admin_psql <<SQL
DROP DATABASE IF EXISTS temporal;
DROP DATABASE IF EXISTS temporal_visibility;
DROP ROLE IF EXISTS temporal;
CREATE ROLE temporal LOGIN PASSWORD '$pw';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
SQL
  (umask 077 && printf '%s\n' "$pw" >"$TEMPORAL_SERVER_DIR/db-password")
  for db in temporal temporal_visibility; do
    local schema=postgresql/v12/temporal
    [[ $db == temporal ]] || schema=postgresql/v12/visibility
    SQL_PASSWORD=$pw "$TEMPORAL_SQL_BIN" --plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" \
      -u temporal --db "$db" setup-schema -v 0.0 >>"$DATA_DIR/logs/temporal-schema.log" 2>&1 &&
      SQL_PASSWORD=$pw "$TEMPORAL_SQL_BIN" --plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" \
        -u temporal --db "$db" update-schema --schema-name "$schema" \
        >>"$DATA_DIR/logs/temporal-schema.log" 2>&1 ||
      die "the Temporal schema setup of $db failed; see $DATA_DIR/logs/temporal-schema.log"
  done
  echo "$TEMPORAL_SHARDS" >"$marker"
}

write_temporal_server_config() {
  local pw store
  pw=$(<"$TEMPORAL_SERVER_DIR/db-password")
  mkdir -p "$TEMPORAL_SERVER_DIR/config"
  (
    umask 077
    {
      cat <<EOF
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: $(<"$TEMPORAL_SERVER_DIR/schema-shards")
  datastores:
EOF
      for store in default:temporal:20 visibility:temporal_visibility:4; do
        IFS=: read -r name db conns <<<"$store"
        cat <<EOF
    $name:
      sql:
        pluginName: postgres12
        databaseName: $db
        connectAddr: 127.0.0.1:$PG_PORT
        connectProtocol: tcp
        user: temporal
        password: "$pw"
        maxConns: $conns
        maxIdleConns: $conns
        maxConnLifetime: 1h
EOF
      done
      cat <<EOF
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
  metrics:
    prometheus:
      framework: tally
      timerType: histogram
      listenAddress: 127.0.0.1:$TEMPORAL_METRICS_PORT
services:
  frontend:
    rpc: { grpcPort: $TEMPORAL_GRPC_PORT, membershipPort: 6933, bindOnLocalHost: true, httpPort: 7243 }
  history:
    rpc: { grpcPort: 7234, membershipPort: 6934, bindOnLocalHost: true }
  matching:
    rpc: { grpcPort: 7235, membershipPort: 6935, bindOnLocalHost: true }
  worker:
    rpc: { grpcPort: 7239, membershipPort: 6939, bindOnLocalHost: true }
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:$TEMPORAL_GRPC_PORT
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: $TEMPORAL_SERVER_DIR/config/dynamic.yaml
  pollInterval: 10s
EOF
    } >"$TEMPORAL_SERVER_DIR/config/development.yaml"
  )
  # What the dev server gets from its flags, plus Update-with-Start spelled
  # out (1.29 has it on already): the consumer starts each order's workflow with it.
  cat >"$TEMPORAL_SERVER_DIR/config/dynamic.yaml" <<EOF
limit.maxIDLength:
  - value: 255
system.forceSearchAttributesCacheRefreshOnRead:
  - value: false
frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableExecuteMultiOperation:
  - value: true
EOF
}

write_temporal_ui_config() {
  mkdir -p "$DATA_DIR/temporal-ui/config"
  cat >"$DATA_DIR/temporal-ui/config/development.yaml" <<EOF
temporalGrpcAddress: 127.0.0.1:$TEMPORAL_GRPC_PORT
host: 127.0.0.1
port: $TEMPORAL_UI_PORT
enableUi: true
defaultNamespace: default
notifyOnNewVersion: false
cors:
  cookieInsecure: true
  allowOrigins: [http://127.0.0.1:$TEMPORAL_UI_PORT]
codec:
  endpoint: http://127.0.0.1:$CODEC_PORT
EOF
}

start_temporal_server() {
  if port_open "$TEMPORAL_GRPC_PORT"; then
    our_pid temporal "$TEMPORAL_SERVER_BIN" >/dev/null ||
      log "a Temporal frontend this script did not start listens on 127.0.0.1:$TEMPORAL_GRPC_PORT; it will be used as it is"
    return
  fi
  wait_postgres
  setup_temporal_databases
  write_temporal_server_config
  log "starting Temporal server $TEMPORAL_SERVER_VERSION on PostgreSQL, $(<"$TEMPORAL_SERVER_DIR/schema-shards") history shards, frontend 127.0.0.1:$TEMPORAL_GRPC_PORT"
  spawn temporal "$TEMPORAL_SERVER_BIN" --root "$TEMPORAL_SERVER_DIR" --config config \
    --env development --allow-no-auth start
}

start_temporal_ui() {
  if port_open "$TEMPORAL_UI_PORT"; then return; fi
  write_temporal_ui_config
  log "starting the Temporal UI server on http://127.0.0.1:$TEMPORAL_UI_PORT"
  spawn temporal-ui "$TEMPORAL_UI_BIN" --root "$DATA_DIR/temporal-ui" --config config \
    --env development start
}

temporal_cli() { "$TEMPORAL_BIN" --address "127.0.0.1:$TEMPORAL_GRPC_PORT" "$@"; }

search_attribute_ready() {
  temporal_cli operator search-attribute list -n default 2>/dev/null | grep -qw "$1" ||
    temporal_cli operator search-attribute create -n default --name "$1" --type Keyword >/dev/null 2>&1
}

# The namespace and search attributes the dev server gets from its flags.
register_temporal_namespace() {
  local attr
  wait_until temporal_cli operator cluster health >/dev/null 2>&1 ||
    die "the Temporal server did not answer within ${HEALTH_TIMEOUT}s. Read $DATA_DIR/logs/temporal.log."
  if ! temporal_cli operator namespace describe -n default >/dev/null 2>&1; then
    log "registering the Temporal namespace default"
    temporal_cli operator namespace create -n default --retention 72h >/dev/null ||
      die "could not create the Temporal namespace default"
  fi
  # A new namespace reaches every service's cache within seconds; until then
  # creating a search attribute fails, so it is retried.
  for attr in OrderChannel OrderSyncState; do
    wait_until search_attribute_ready "$attr" ||
      die "could not register the search attribute $attr; read $DATA_DIR/logs/temporal.log"
  done
}

temporal_status() {
  local pid
  if pid=$(our_pid temporal "$TEMPORAL_SERVER_BIN"); then
    log "temporal: the self-hosted server $TEMPORAL_SERVER_VERSION (pid $pid) on PostgreSQL, $(cat "$TEMPORAL_SERVER_DIR/schema-shards" 2>/dev/null || echo '?') history shards"
  elif pid=$(our_pid temporal "server start-dev"); then
    log "temporal: the CLI's dev server (pid $pid) on SQLite, 1 history shard"
  else
    log "temporal: not started by this script (ORDERSYNC_TEMPORAL=$TEMPORAL_MODE)"
  fi
}
