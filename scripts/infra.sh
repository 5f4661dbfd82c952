#!/usr/bin/env bash
# Local infrastructure for ordersync without Docker: the Temporal dev server
# (built with Go), an Apache Kafka KRaft broker (jars resolved by Maven) and
# MariaDB (Debian package) or an existing MySQL on 127.0.0.1:3306.
#
#   scripts/infra.sh install   obtain what is missing, start nothing
#   scripts/infra.sh up        install, start what is not running, wait until healthy
#   scripts/infra.sh status    report health; exit 0 only if all three are healthy
#   scripts/infra.sh down      stop the processes this script started, nothing else
#   scripts/infra.sh reset     down, then delete the data directory
#
# Every command is idempotent. Artifacts are cached outside the clone so a
# second `up` on the same machine takes seconds.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA_DIR=${ORDERSYNC_DATA_DIR:-$ROOT/.ordersync}
CACHE_DIR=${ORDERSYNC_CACHE_DIR:-$HOME/.cache/ordersync}

TEMPORAL_CLI_VERSION=v1.5.1
TEMPORAL_BIN=$CACHE_DIR/temporal-cli-$TEMPORAL_CLI_VERSION/bin/temporal
TEMPORAL_GRPC_PORT=7233
TEMPORAL_UI_PORT=8233

KAFKA_VERSION=3.9.1
KAFKA_LIBS=$CACHE_DIR/kafka-$KAFKA_VERSION/libs
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
KAFKA_HEAP=${ORDERSYNC_KAFKA_HEAP:-512m}

MYSQL_PORT=3306
HEALTH_TIMEOUT=${ORDERSYNC_HEALTH_TIMEOUT:-120}

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pidfile() { echo "$DATA_DIR/$1.pid"; }

# A pid file counts only while its process is alive and still runs the program
# we started; a recycled pid must never be signalled.
our_pid() {
  local name=$1 expect=$2 file pid
  file=$(pidfile "$name")
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$expect" || return 1
  echo "$pid"
}

probe() {
  # The probes use the project's own clients (kafkajs, mysql2, @temporalio/client).
  if [[ ! -d $ROOT/node_modules/tsx ]]; then
    log "node_modules is missing; running npm ci first"
    (cd "$ROOT" && npm ci --no-audit --no-fund >&2)
  fi
  node --import tsx "$ROOT/scripts/infra/probe.ts" "$@"
}

# ---------------------------------------------------------------- install ---

install_temporal() {
  if [[ -x $TEMPORAL_BIN ]]; then return; fi
  command -v go >/dev/null || die "Go is needed to build the Temporal CLI (go >= 1.25). Install Go and retry."
  log "building the Temporal CLI $TEMPORAL_CLI_VERSION with go install (first time only, several minutes)"
  mkdir -p "$(dirname "$TEMPORAL_BIN")"
  GOBIN=$(dirname "$TEMPORAL_BIN") GOFLAGS=-trimpath \
    go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" ||
    die "go install of the Temporal CLI failed; see the output above."
}

install_kafka() {
  if [[ -f $KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar && -f $KAFKA_LIBS/.complete ]]; then return; fi
  command -v mvn >/dev/null || die "Maven is needed to fetch the Kafka jars. Install Java 17 and Maven and retry."
  log "resolving Apache Kafka $KAFKA_VERSION jars with Maven (first time only)"
  rm -rf "$KAFKA_LIBS"
  mvn -q -B -f "$ROOT/scripts/infra/kafka-pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS" ||
    die "Maven could not resolve the Kafka jars; see the output above."
  touch "$KAFKA_LIBS/.complete"
}

install_mysql() {
  if port_open "$MYSQL_PORT" && ! our_pid mysql mariadbd >/dev/null; then
    log "a MySQL-compatible server already listens on 127.0.0.1:$MYSQL_PORT; it will be used"
    return
  fi
  if command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]]; then return; fi
  command -v apt-get >/dev/null ||
    die "no MySQL on 127.0.0.1:$MYSQL_PORT and no apt-get to install MariaDB. Start MySQL 8.4 or MariaDB 10.11 there and set ORDERSYNC_MYSQL_ADMIN_URL."
  log "installing MariaDB from Debian packages"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq mariadb-server mariadb-client >/dev/null
}

# Prometheus and promtool, for the alert-rule tests and the Prometheus e2e
# test. Installed only; nothing here starts it (the e2e test runs its own).
install_prometheus() {
  if command -v promtool >/dev/null && command -v prometheus >/dev/null; then return; fi
  command -v apt-get >/dev/null ||
    die "promtool/prometheus are missing and there is no apt-get; install Prometheus 2.x so both are on PATH."
  log "installing Prometheus (server and promtool) from Debian packages"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # On a systemd host the package enables and starts a system-wide server; the tests run their own.
  if [[ -d /run/systemd/system ]]; then $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
}

install_all() {
  install_mysql
  install_kafka
  install_temporal
  install_prometheus
}

# ------------------------------------------------------------------ start ---

# Starts a program in its own session, detached from this shell, and records its pid.
spawn() {
  local name=$1
  shift
  mkdir -p "$DATA_DIR/logs"
  setsid "$@" >>"$DATA_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$(pidfile "$name")"
}

mariadbd_bin() { command -v mariadbd || echo /usr/sbin/mariadbd; }

start_mysql() {
  if port_open "$MYSQL_PORT"; then return; fi
  local dir=$DATA_DIR/mysql
  mkdir -p "$dir"
  if [[ ! -d $dir/data/mysql ]]; then
    log "initialising a MariaDB data directory in $dir/data"
    mariadb-install-db --no-defaults --datadir="$dir/data" --user="$(id -un)" \
      --auth-root-authentication-method=normal --skip-test-db >"$DATA_DIR/logs/mysql-init.log" 2>&1 ||
      die "mariadb-install-db failed; see $DATA_DIR/logs/mysql-init.log"
  fi
  log "starting MariaDB on 127.0.0.1:$MYSQL_PORT"
  spawn mysql "$(mariadbd_bin)" --no-defaults --datadir="$dir/data" --socket="$dir/mysqld.sock" \
    --port="$MYSQL_PORT" --bind-address=127.0.0.1 --user="$(id -un)" --skip-name-resolve \
    --pid-file="$dir/mysqld.pid" --log-error="$DATA_DIR/logs/mysql-error.log" \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=1 --max-connections=500 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci
}

write_kafka_config() {
  local dir=$DATA_DIR/kafka
  mkdir -p "$dir/data"
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=12
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# The node is its own controller. On a busy 2-core machine its heartbeat can wait
# in the controller's queue past the default 9 s session; fencing the only broker
# makes every partition leaderless (NOT_COORDINATOR, NOT_LEADER) until it recovers.
broker.session.timeout.ms=30000
num.network.threads=2
num.io.threads=4
log.retention.hours=168
EOF
  cat >"$dir/log4j.properties" <<EOF
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$DATA_DIR/logs/kafka-server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
EOF
}

kafka_java() {
  KAFKA_JAVA=(java -Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -Djava.awt.headless=true "-Dlog4j.configuration=file:$DATA_DIR/kafka/log4j.properties"
    -cp "$KAFKA_LIBS/*")
}

start_kafka() {
  if port_open "$KAFKA_PORT"; then return; fi
  write_kafka_config
  local dir=$DATA_DIR/kafka
  if [[ ! -f $dir/data/meta.properties ]]; then
    log "formatting the KRaft storage in $dir/data"
    local cluster_id
    cluster_id=$(node -e "const b=require('crypto').randomBytes(16);b[6]=(b[6]&0x0f)|0x40;b[8]=(b[8]&0x3f)|0x80;process.stdout.write(b.toString('base64url'))")
    kafka_java
    "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" \
      >"$DATA_DIR/logs/kafka-format.log" 2>&1 ||
      die "formatting Kafka storage failed; see $DATA_DIR/logs/kafka-format.log"
  fi
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT"
  kafka_java
  spawn kafka "${KAFKA_JAVA[@]}" kafka.Kafka "$dir/server.properties"
}

start_temporal() {
  if port_open "$TEMPORAL_GRPC_PORT"; then return; fi
  mkdir -p "$DATA_DIR/temporal"
  log "starting the Temporal dev server on 127.0.0.1:$TEMPORAL_GRPC_PORT (UI on http://127.0.0.1:$TEMPORAL_UI_PORT)"
  # The SQLite file keeps workflow histories across restarts. The search
  # attributes are registered at start and are idempotent.
  spawn temporal "$TEMPORAL_BIN" server start-dev \
    --ip 127.0.0.1 --port "$TEMPORAL_GRPC_PORT" \
    --ui-ip 127.0.0.1 --ui-port "$TEMPORAL_UI_PORT" \
    --db-filename "$DATA_DIR/temporal/temporal.db" \
    --namespace default \
    --search-attribute OrderChannel=Keyword \
    --search-attribute OrderSyncState=Keyword \
    --dynamic-config-value limit.maxIDLength=255 \
    --log-level warn
}

wait_healthy() {
  local what=$1
  if ! probe "$what" --wait "$HEALTH_TIMEOUT"; then
    case $what in
      temporal) die "Temporal did not become healthy within ${HEALTH_TIMEOUT}s. Read $DATA_DIR/logs/temporal.log; if the SQLite file is damaged, run 'npm run infra -- reset'." ;;
      kafka) die "Kafka did not become healthy within ${HEALTH_TIMEOUT}s. Read $DATA_DIR/logs/kafka.log and kafka-server.log; check that port $KAFKA_PORT/$KAFKA_CONTROLLER_PORT are free and Java 17 is on PATH." ;;
      mysql) die "MySQL did not become healthy within ${HEALTH_TIMEOUT}s. Read $DATA_DIR/logs/mysql-error.log; if an existing server is used, set ORDERSYNC_MYSQL_ADMIN_URL to an account that may create databases and users." ;;
    esac
  fi
}

up() {
  mkdir -p "$DATA_DIR/logs"
  install_all
  start_mysql
  start_kafka
  start_temporal
  log "creating databases and least-privilege users"
  probe mysql-bootstrap --socket "$DATA_DIR/mysql/mysqld.sock" --secrets "$DATA_DIR/secrets.env" \
    --wait "$HEALTH_TIMEOUT" ||
    die "MySQL bootstrap failed. Read $DATA_DIR/logs/mysql-error.log; for an existing server set ORDERSYNC_MYSQL_ADMIN_URL to an account that may create databases and users."
  wait_healthy mysql
  wait_healthy kafka
  wait_healthy temporal
  status
}

status() {
  probe status
}

stop_one() {
  local name=$1 expect=$2 pid
  if ! pid=$(our_pid "$name" "$expect"); then
    rm -f "$(pidfile "$name")"
    return
  fi
  log "stopping $name (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    [[ -d /proc/$pid ]] || break
    sleep 0.5
  done
  if [[ -d /proc/$pid ]]; then
    log "$name did not stop within 30s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$(pidfile "$name")"
}

down() {
  stop_one temporal "server start-dev"
  stop_one kafka kafka.Kafka
  stop_one mysql mariadbd
}

reset() {
  down
  log "deleting $DATA_DIR"
  rm -rf "$DATA_DIR"
}

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

cmd=${1:-}
case $cmd in
  install) install_all ;;
  up) up ;;
  status) status ;;
  down) down ;;
  reset) reset ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
