#!/usr/bin/env bash
# Local infrastructure for ordersync without Docker: the Temporal dev server
# (built with Go), an Apache Kafka KRaft broker (jars resolved by Maven),
# MariaDB (Debian package) or an existing MySQL on 127.0.0.1:3306, and
# PostgreSQL 15 (Debian package) on 127.0.0.1:5432.
#
#   scripts/infra.sh install   obtain what is missing, start nothing
#   scripts/infra.sh up        install, start what is not running (and the codec server), wait until healthy
#   scripts/infra.sh status    report health; exit 0 only if all four are healthy
#   scripts/infra.sh down      stop the processes this script started, nothing else
#   scripts/infra.sh reset     down, then delete the data directory
#   scripts/infra.sh kafka-node N   start broker N of the cluster alone, without waiting (chaos)
#
# ORDERSYNC_KAFKA_VERSION picks the broker: 4.4.0 by default, or 3.9.x. `up`
# switches a broker it started to the requested version.
#
# The production profile (docs/production-topology.md):
#   ORDERSYNC_TEMPORAL=server      Temporal's own server on PostgreSQL (default: dev)
#   ORDERSYNC_TEMPORAL_SHARDS=N    its history shards, 4 by default (fixed until `reset`)
#   ORDERSYNC_KAFKA_NODES=3        three KRaft brokers on 9092/9094/9096 (default: 1)
#
# Every command is idempotent. Artifacts are cached outside the clone so a
# second `up` on the same machine takes seconds.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA_DIR=${ORDERSYNC_DATA_DIR:-$ROOT/.ordersync}
CACHE_DIR=${ORDERSYNC_CACHE_DIR:-$HOME/.cache/ordersync}

TEMPORAL_CLI_VERSION=v1.5.1
TEMPORAL_BIN=$CACHE_DIR/temporal-cli-$TEMPORAL_CLI_VERSION/bin/temporal
# kustomize renders deploy/kubernetes/ for the manifest tests (v5.8.1: the
# newest that builds with Go 1.24; 5.8.3 needs Go 1.27).
KUSTOMIZE_VERSION=v5.8.1
KUSTOMIZE_BIN=$CACHE_DIR/kustomize-$KUSTOMIZE_VERSION/bin/kustomize
TEMPORAL_GRPC_PORT=7233
TEMPORAL_UI_PORT=8233
CODEC_PORT=8234

# Kafka 4.x is the default; 3.9.x stays selectable because many managed clusters
# still run it. Each version keeps its own data directory (a 4.x log directory
# cannot be opened by 3.9), so switching back and forth needs no cleanup.
KAFKA_DEFAULT_VERSION=4.4.0
KAFKA_VERSION=${ORDERSYNC_KAFKA_VERSION:-$KAFKA_DEFAULT_VERSION}
KAFKA_LINE=${KAFKA_VERSION%%.*}
KAFKA_LIBS=$CACHE_DIR/kafka-$KAFKA_VERSION/libs
KAFKA_DIR=$DATA_DIR/kafka/$KAFKA_VERSION
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
KAFKA_HEAP=${ORDERSYNC_KAFKA_HEAP:-512m}
KAFKA_NODES=${ORDERSYNC_KAFKA_NODES:-1}
TEMPORAL_MODE=${ORDERSYNC_TEMPORAL:-dev}

MYSQL_PORT=3306
HEALTH_TIMEOUT=${ORDERSYNC_HEALTH_TIMEOUT:-120}

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pidfile() { echo "$DATA_DIR/$1.pid"; }

# shellcheck source=infra/postgres.sh
source "$ROOT/scripts/infra/postgres.sh"
# shellcheck source=infra/temporal-server.sh
source "$ROOT/scripts/infra/temporal-server.sh"

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
  ORDERSYNC_KAFKA_BROKERS=${ORDERSYNC_KAFKA_BROKERS:-$(kafka_brokers)} ORDERSYNC_KAFKA_NODES=$KAFKA_NODES \
    node --import tsx "$ROOT/scripts/infra/probe.ts" "$@"
}

# ---------------------------------------------------------------- install ---

# Runs a command as root: directly when this script runs as root, otherwise through sudo.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0

# Installs Debian packages quietly (extra apt-get options may come first); the
# package lists are refreshed once per run, however many installs follow.
apt_install() {
  if [[ $APT_UPDATED -eq 0 ]]; then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# go_install WHAT BIN MODULE@VERSION MIN_GO: builds one Go tool into the cache, once.
go_install() {
  local what=$1 bin=$2 module=$3 min_go=$4
  if [[ -x $bin ]]; then return; fi
  command -v go >/dev/null || die "Go is needed to build $what (go >= $min_go). Install Go and retry."
  log "building $what with go install (first time only, up to several minutes)"
  mkdir -p "$(dirname "$bin")"
  GOBIN=$(dirname "$bin") GOFLAGS=-trimpath go install "$module" ||
    die "go install of $what failed; see the output above."
}

install_temporal() {
  go_install "the Temporal CLI $TEMPORAL_CLI_VERSION" "$TEMPORAL_BIN" \
    "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" 1.25
}

install_kustomize() {
  go_install "kustomize $KUSTOMIZE_VERSION" "$KUSTOMIZE_BIN" \
    "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" 1.24
}

check_kafka_version() {
  [[ $KAFKA_VERSION =~ ^(3\.9|4\.[0-9]+)\.[0-9]+$ ]] ||
    die "ORDERSYNC_KAFKA_VERSION=$KAFKA_VERSION is not supported; use a 4.x release (default $KAFKA_DEFAULT_VERSION) or 3.9.x (e.g. 3.9.1)."
  [[ $KAFKA_NODES == 1 || $KAFKA_NODES == 3 ]] ||
    die "ORDERSYNC_KAFKA_NODES=$KAFKA_NODES is not supported; use 1 (the default) or 3."
}

install_kafka() {
  check_kafka_version
  if [[ -f $KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar && -f $KAFKA_LIBS/.complete ]]; then return; fi
  command -v mvn >/dev/null || die "Maven is needed to fetch the Kafka jars. Install Java 17 and Maven and retry."
  log "resolving Apache Kafka $KAFKA_VERSION jars with Maven (first time only)"
  rm -rf "$KAFKA_LIBS"
  mvn -q -B -f "$ROOT/scripts/infra/kafka-pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -Dkafka.line="$KAFKA_LINE" \
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
  apt_install mariadb-server mariadb-client
}

# Debian's chromium, for the browser test of the Temporal UI with the codec server.
install_chromium() {
  if [[ -x /usr/lib/chromium/chromium ]]; then return; fi
  if ! command -v apt-get >/dev/null; then
    log "no apt-get: the browser test will be skipped until Chromium is at /usr/lib/chromium/chromium"
    return
  fi
  log "installing Chromium from Debian packages (for the Temporal UI browser test)"
  apt_install chromium
}

# Prometheus and promtool, for the alert-rule tests and the Prometheus e2e
# test. Installed only; nothing here starts it (the e2e test runs its own).
install_prometheus() {
  if command -v promtool >/dev/null && command -v prometheus >/dev/null; then return; fi
  command -v apt-get >/dev/null ||
    die "promtool/prometheus are missing and there is no apt-get; install Prometheus 2.x so both are on PATH."
  log "installing Prometheus (server and promtool) from Debian packages"
  apt_install --no-install-recommends prometheus
  # On a systemd host the package enables and starts a system-wide server; the tests run their own.
  if [[ -d /run/systemd/system ]]; then as_root systemctl disable --now prometheus >/dev/null 2>&1 || true; fi
}

install_all() {
  check_temporal_mode
  install_postgres
  install_mysql
  install_kafka
  install_temporal
  [[ $TEMPORAL_MODE != server ]] || install_temporal_server
  install_chromium
  install_prometheus
  install_kustomize
}

# ------------------------------------------------------------------ start ---

# Starts a program in its own session, detached from this shell, and records its pid.
spawn() {
  local name=$1
  shift
  mkdir -p "$DATA_DIR/logs"
  (
    # A caller that holds a lock (`flock /work/servers.lock ...`) must not hand
    # its descriptor to a long-lived server: the lock would stay taken for as
    # long as the server runs.
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      if [[ $fd -gt 2 ]]; then { eval "exec $fd>&-"; } 2>/dev/null || true; fi
    done
    exec setsid "$@" >>"$DATA_DIR/logs/$name.log" 2>&1 </dev/null
  ) &
  echo $! >"$(pidfile "$name")"
}

mariadbd_bin() { command -v mariadbd || echo /usr/sbin/mariadbd; }

start_mysql() {
  if port_open "$MYSQL_PORT"; then return; fi
  local dir=$DATA_DIR/mysql
  # A temporary directory of its own: two servers bootstrapping at once in a
  # shared /tmp delete each other's temporary tables (mariadb-install-db
  # failed with "Error on delete of '/tmp/#sql-temptable-…'").
  mkdir -p "$dir/tmp"
  if [[ ! -d $dir/data/mysql ]]; then
    log "initialising a MariaDB data directory in $dir/data"
    # As the OS root, root starts socket-only (unix_socket), so it is never
    # reachable over TCP without a credential; otherwise it starts without a
    # password for the bootstrap. Either way the bootstrap then gives every
    # root account the generated ORDERSYNC_LOCAL_ROOT_PASSWORD (secrets.env).
    local root_auth=normal
    [[ $(id -u) -eq 0 ]] && root_auth=socket
    mariadb-install-db --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --user="$(id -un)" \
      --auth-root-authentication-method=$root_auth --skip-test-db >"$DATA_DIR/logs/mysql-init.log" 2>&1 ||
      die "mariadb-install-db failed; see $DATA_DIR/logs/mysql-init.log"
  fi
  log "starting MariaDB on 127.0.0.1:$MYSQL_PORT"
  spawn mysql "$(mariadbd_bin)" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --socket="$dir/mysqld.sock" \
    --port="$MYSQL_PORT" --bind-address=127.0.0.1 --user="$(id -un)" --skip-name-resolve \
    --pid-file="$dir/mysqld.pid" --log-error="$DATA_DIR/logs/mysql-error.log" \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=1 --max-connections=500 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci
}

# Node N of the cluster (1 to ORDERSYNC_KAFKA_NODES): its pid-file name, ports,
# data directory and server log. A single broker keeps the names and the
# directory it always had; the three-broker cluster has its own directories.
kafka_node() {
  local n=$1
  NODE_NAME=kafka
  [[ $n == 1 ]] || NODE_NAME=kafka-$n
  NODE_PORT=$((KAFKA_PORT + 2 * (n - 1)))
  NODE_CONTROLLER_PORT=$((NODE_PORT + 1))
  if [[ $KAFKA_NODES == 1 ]]; then
    KAFKA_DIR=$DATA_DIR/kafka/$KAFKA_VERSION
    NODE_LOG=$DATA_DIR/logs/kafka-server.log
  else
    KAFKA_DIR=$DATA_DIR/kafka/$KAFKA_VERSION-${KAFKA_NODES}nodes/node-$n
    NODE_LOG=$DATA_DIR/logs/kafka-server-$n.log
  fi
}

kafka_brokers() {
  local n out=()
  for n in $(seq 1 "$KAFKA_NODES"); do out+=("127.0.0.1:$((KAFKA_PORT + 2 * (n - 1)))"); done
  (IFS=, && echo "${out[*]}")
}

# KRaft quorum. One node: 3.9 keeps the static voter list it was first
# formatted with; 4.x uses a dynamic quorum (KIP-853), the layout its own quick
# start and `kafka-storage format --standalone` produce. Three nodes: every node
# is a broker and a voter, listed statically (both lines support that).
kafka_quorum_config() {
  local n voters=()
  if [[ $KAFKA_NODES != 1 ]]; then
    for n in $(seq 1 "$KAFKA_NODES"); do voters+=("$n@127.0.0.1:$((KAFKA_PORT + 2 * (n - 1) + 1))"); done
    echo "controller.quorum.voters=$(IFS=, && echo "${voters[*]}")"
  elif [[ $KAFKA_LINE == 3 ]]; then
    echo "controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT"
  else
    echo "controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT"
  fi
}

# Replication. Three nodes: what a production cluster runs, so that acks=all
# waits for two copies and a replica that missed writes never becomes leader.
# The broker session is longer than the 9 s default because heartbeats wait in
# the controller's queue on a busy 2-core machine: fencing the only broker
# makes every partition leaderless until it recovers; fencing one of three
# moves its leaderships, so that session can be shorter.
kafka_replication_config() {
  local rf=1 isr=1 session=30000
  if [[ $KAFKA_NODES != 1 ]]; then
    rf=3 isr=2 session=15000
    printf '%s\n' default.replication.factor=3 min.insync.replicas=2 unclean.leader.election.enable=false
  fi
  printf '%s\n' "offsets.topic.replication.factor=$rf" "transaction.state.log.replication.factor=$rf" \
    "transaction.state.log.min.isr=$isr" "broker.session.timeout.ms=$session"
  # Share groups are on by default in 4.x; their state topic defaults to 3 replicas.
  [[ $KAFKA_LINE == 3 ]] || printf '%s\n' "share.coordinator.state.topic.replication.factor=$rf" \
    "share.coordinator.state.topic.min.isr=$isr"
}

write_kafka_config() {
  kafka_node "$1"
  mkdir -p "$KAFKA_DIR/data"
  {
    cat <<EOF
process.roles=broker,controller
node.id=$1
listeners=PLAINTEXT://127.0.0.1:$NODE_PORT,CONTROLLER://127.0.0.1:$NODE_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$NODE_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=12
auto.create.topics.enable=false
offsets.topic.num.partitions=12
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=168
EOF
    kafka_replication_config
    kafka_quorum_config
  } >"$KAFKA_DIR/server.properties"
  if [[ $KAFKA_LINE == 3 ]]; then
    cat >"$KAFKA_DIR/log4j.properties" <<EOF
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$NODE_LOG
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
EOF
  else
    cat >"$KAFKA_DIR/log4j2.properties" <<EOF
status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = $NODE_LOG
appender.file.filePattern = $NODE_LOG.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = file
logger.raftserver.name = kafka.server.KafkaRaftServer
logger.raftserver.level = INFO
logger.broker.name = kafka.server.BrokerServer
logger.broker.level = INFO
EOF
  fi
}

kafka_java() {
  local logging="-Dlog4j2.configurationFile=$KAFKA_DIR/log4j2.properties"
  [[ $KAFKA_LINE == 3 ]] && logging="-Dlog4j.configuration=file:$KAFKA_DIR/log4j.properties"
  KAFKA_JAVA=(java -Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -Djava.awt.headless=true "$logging" -cp "$KAFKA_LIBS/*")
}

# The version of the broker this script started, read from its class path
# (.../kafka-<version>/libs/*); fails when none of ours is running.
running_kafka_version() {
  local pid
  pid=$(our_pid kafka kafka.Kafka) || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" | sed -n 's#.*/kafka-\([0-9][^/]*\)/libs/\*$#\1#p' | grep .
}

# How many nodes the running cluster of ours has: node 1 of a cluster reads its
# configuration from a directory named after the count.
running_kafka_nodes() {
  local pid count
  pid=$(our_pid kafka kafka.Kafka) || return 1
  count=$(tr '\0' '\n' <"/proc/$pid/cmdline" | sed -n 's#.*-\([0-9]*\)nodes/node-1/server.properties$#\1#p')
  echo "${count:-1}"
}

stop_kafka() {
  local name
  for name in kafka kafka-2 kafka-3; do stop_one "$name" kafka.Kafka; done
}

# Before data directories were kept per version, 3.9.1 (then the only version)
# used kafka/data; move it where 3.9.1 now looks so its topics survive.
adopt_legacy_kafka_dir() {
  local legacy=$DATA_DIR/kafka/data
  [[ -f $legacy/meta.properties && ! -e $DATA_DIR/kafka/3.9.1/data ]] || return 0
  log "moving the Kafka 3.9.1 data from $legacy to $DATA_DIR/kafka/3.9.1/data"
  mkdir -p "$DATA_DIR/kafka/3.9.1"
  mv "$legacy" "$DATA_DIR/kafka/3.9.1/data"
  rm -f "$DATA_DIR/kafka/server.properties" "$DATA_DIR/kafka/log4j.properties"
}

# Every node of one cluster is formatted with the same cluster id, kept beside
# the nodes' directories so that a node formatted later joins the others.
kafka_cluster_id() {
  local file=$KAFKA_DIR/../cluster-id id
  if [[ $KAFKA_NODES != 1 && -f $file ]]; then
    cat "$file"
    return
  fi
  # A version-4 UUID in URL-safe base64, as Kafka's own tool makes them. One that
  # begins with "-" was read as an option by the format command (1 id in 64, and
  # CI met one): draw again until it does not, and pass it as --cluster-id=ID.
  id=$(node -e "const c=require('crypto');let s;do{const b=c.randomBytes(16);b[6]=(b[6]&0x0f)|0x40;b[8]=(b[8]&0x3f)|0x80;s=b.toString('base64url')}while(s.startsWith('-'));process.stdout.write(s)")
  [[ $KAFKA_NODES == 1 ]] || echo "$id" >"$file"
  echo "$id"
}

format_kafka_storage() {
  kafka_node "$1"
  [[ -f $KAFKA_DIR/data/meta.properties ]] && return
  log "formatting the KRaft storage of Kafka $KAFKA_VERSION in $KAFKA_DIR/data"
  local cluster_id mode=()
  cluster_id=$(kafka_cluster_id)
  [[ $KAFKA_LINE == 3 || $KAFKA_NODES != 1 ]] || mode=(--standalone)
  kafka_java
  "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format "${mode[@]}" --cluster-id="$cluster_id" \
    -c "$KAFKA_DIR/server.properties" >"$DATA_DIR/logs/kafka-format.log" 2>&1 || {
    tail -n 20 "$DATA_DIR/logs/kafka-format.log" | sed 's/^/[infra]   kafka-format: /' >&2 || true
    die "formatting Kafka storage failed (cluster id $cluster_id); see $DATA_DIR/logs/kafka-format.log"
  }
}

start_kafka_node() {
  [[ $1 =~ ^[1-9]$ && $1 -le $KAFKA_NODES ]] || die "no Kafka node $1 with ORDERSYNC_KAFKA_NODES=$KAFKA_NODES"
  kafka_node "$1"
  if port_open "$NODE_PORT"; then
    our_pid "$NODE_NAME" kafka.Kafka >/dev/null ||
      log "a Kafka broker this script did not start listens on 127.0.0.1:$NODE_PORT; it will be used as it is"
    return
  fi
  write_kafka_config "$1"
  format_kafka_storage "$1"
  log "starting Kafka $KAFKA_VERSION node $1 of $KAFKA_NODES on 127.0.0.1:$NODE_PORT"
  kafka_java
  spawn "$NODE_NAME" "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_DIR/server.properties"
}

start_kafka() {
  local running nodes n
  if running=$(running_kafka_version) && [[ $running != "$KAFKA_VERSION" ]]; then
    log "Kafka $running is running but ORDERSYNC_KAFKA_VERSION asks for $KAFKA_VERSION; switching"
    stop_kafka
    running=
  elif nodes=$(running_kafka_nodes) && [[ $nodes != "$KAFKA_NODES" ]]; then
    log "a $nodes-node Kafka is running but ORDERSYNC_KAFKA_NODES asks for $KAFKA_NODES; switching"
    stop_kafka
    running=
  fi
  adopt_legacy_kafka_dir
  for n in $(seq 1 "$KAFKA_NODES"); do start_kafka_node "$n"; done
  # Clients learn every broker: with one bootstrap address a client could not
  # start while that broker is down.
  if [[ $KAFKA_NODES == 1 ]]; then
    drop_secret ORDERSYNC_KAFKA_BROKERS
  else
    set_secret ORDERSYNC_KAFKA_BROKERS "$(kafka_brokers)"
  fi
}

# Payload encryption is on by default, locally too. The dev key is generated once
# and never replaced: replacing it would make every stored history unreadable.
ensure_encryption_key() {
  local file=$DATA_DIR/secrets.env key
  if [[ -f $file ]] && grep -q '^ORDERSYNC_ENCRYPTION_KEYS=' "$file"; then return; fi
  mkdir -p "$DATA_DIR"
  key=$(node -e "process.stdout.write(require('crypto').randomBytes(32).toString('base64'))")
  if [[ -s $file && -n $(tail -c1 "$file") ]]; then echo >>"$file"; fi
  (umask 077 && printf 'ORDERSYNC_ENCRYPTION_KEYS=dev-%s:%s\n' "$(date -u +%Y%m%d)" "$key" >>"$file")
  chmod 600 "$file"
  log "generated a dev payload encryption key in $file"
}

# Replaces (or adds) NAME=VALUE in secrets.env, which stays readable by its owner only.
set_secret() {
  local name=$1 value=$2 file=$DATA_DIR/secrets.env
  mkdir -p "$DATA_DIR"
  (umask 077 && touch "$file" && { grep -v "^$name=" "$file" || true; } >"$file.tmp" &&
    printf '%s=%s\n' "$name" "$value" >>"$file.tmp")
  mv "$file.tmp" "$file"
}

drop_secret() {
  local file=$DATA_DIR/secrets.env
  [[ -f $file ]] && grep -q "^$1=" "$file" || return 0
  (umask 077 && { grep -v "^$1=" "$file" || true; } >"$file.tmp")
  mv "$file.tmp" "$file"
}

secret() { sed -n "s/^$1=//p" "$DATA_DIR/secrets.env" 2>/dev/null | tail -n 1; }

# The codec server decrypts payloads for the Temporal UI (and `temporal --codec-endpoint`).
start_codec() {
  if port_open "$CODEC_PORT"; then return; fi
  log "starting the codec server on http://127.0.0.1:$CODEC_PORT"
  spawn codec env ORDERSYNC_DATA_DIR="$DATA_DIR" node "$ROOT/bin/ordersync" codec-server \
    --listen "127.0.0.1:$CODEC_PORT"
}

codec_healthy() {
  node -e "fetch('http://127.0.0.1:$CODEC_PORT/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
}

# Runs the command once a second until it succeeds; fails after HEALTH_TIMEOUT seconds.
wait_until() {
  for _ in $(seq 1 "$HEALTH_TIMEOUT"); do
    if "$@"; then return; fi
    sleep 1
  done
  return 1
}

wait_codec() {
  wait_until codec_healthy ||
    die "the codec server did not answer on 127.0.0.1:$CODEC_PORT within ${HEALTH_TIMEOUT}s. Read $DATA_DIR/logs/codec.log."
}

start_temporal() {
  local pid
  # One frontend port, two kinds of server: switch the one this script started.
  if [[ $TEMPORAL_MODE == server ]] && pid=$(our_pid temporal "server start-dev"); then
    log "the Temporal dev server is running but ORDERSYNC_TEMPORAL=server; switching"
    stop_one temporal "server start-dev"
  elif [[ $TEMPORAL_MODE == dev ]] && pid=$(our_pid temporal "$TEMPORAL_SERVER_BIN"); then
    log "the self-hosted Temporal server is running but ORDERSYNC_TEMPORAL=dev; switching"
    stop_one temporal-ui "$TEMPORAL_UI_BIN"
    stop_one temporal "$TEMPORAL_SERVER_BIN"
  fi
  if [[ $TEMPORAL_MODE == server ]]; then
    start_temporal_server
    return
  fi
  if port_open "$TEMPORAL_GRPC_PORT"; then
    if pid=$(our_pid temporal "server start-dev"); then
      if ! grep -q -- --ui-codec-endpoint "/proc/$pid/cmdline"; then
        log "the running Temporal dev server predates --ui-codec-endpoint; the UI shows encrypted payloads until it is restarted ('npm run infra -- down' then 'up')"
      fi
      if ! grep -q -- journal_mode=wal "/proc/$pid/cmdline"; then
        log "the running Temporal dev server predates the SQLite WAL settings; it runs at about half speed until it is restarted ('npm run infra -- down' then 'up')"
      fi
    fi
    return
  fi
  mkdir -p "$DATA_DIR/temporal"
  log "starting the Temporal dev server on 127.0.0.1:$TEMPORAL_GRPC_PORT (UI on http://127.0.0.1:$TEMPORAL_UI_PORT)"
  # The SQLite file keeps workflow histories across restarts. The search
  # attributes are registered at start and are idempotent.
  # WAL with synchronous=normal: a crash of the server process loses nothing
  # (the WAL is in the OS page cache), but a power loss or kernel panic can drop
  # the last commits. Acceptable for a development server; a production
  # Temporal cluster runs on its own database. The search-attribute cache is
  # not refreshed on every read: the attributes are registered at start only.
  spawn temporal "$TEMPORAL_BIN" server start-dev \
    --ip 127.0.0.1 --port "$TEMPORAL_GRPC_PORT" \
    --ui-ip 127.0.0.1 --ui-port "$TEMPORAL_UI_PORT" \
    --ui-codec-endpoint "http://127.0.0.1:$CODEC_PORT" \
    --db-filename "$DATA_DIR/temporal/temporal.db" \
    --namespace default \
    --search-attribute OrderChannel=Keyword \
    --search-attribute OrderSyncState=Keyword \
    --dynamic-config-value limit.maxIDLength=255 \
    --dynamic-config-value system.forceSearchAttributesCacheRefreshOnRead=false \
    --sqlite-pragma journal_mode=wal \
    --sqlite-pragma synchronous=normal \
    --log-level warn
}

wait_healthy() {
  local what=$1
  if ! probe "$what" --wait "$HEALTH_TIMEOUT"; then
    case $what in
      temporal) die "Temporal did not become healthy within ${HEALTH_TIMEOUT}s. Read $DATA_DIR/logs/temporal.log; if the SQLite file is damaged, run 'npm run infra -- reset'." ;;
      kafka) die "Kafka did not become healthy within ${HEALTH_TIMEOUT}s. Read $DATA_DIR/logs/kafka.log and kafka-server.log; check that ports $KAFKA_PORT/$KAFKA_CONTROLLER_PORT (and 9094-9097 with three nodes) are free and Java 17 is on PATH." ;;
      mysql) die "MySQL did not become healthy within ${HEALTH_TIMEOUT}s. Read $DATA_DIR/logs/mysql-error.log; if an existing server is used, set ORDERSYNC_MYSQL_ADMIN_URL to an account that may create databases and users." ;;
    esac
  fi
}

up() {
  mkdir -p "$DATA_DIR/logs"
  install_all
  ensure_encryption_key
  start_postgres
  start_mysql
  start_kafka
  start_temporal
  log "creating databases and least-privilege users"
  probe mysql-bootstrap --socket "$DATA_DIR/mysql/mysqld.sock" --secrets "$DATA_DIR/secrets.env" \
    --wait "$HEALTH_TIMEOUT" ||
    die "MySQL bootstrap failed. Read $DATA_DIR/logs/mysql-error.log; for an existing server set ORDERSYNC_MYSQL_ADMIN_URL to an account that may create databases and users."
  wait_postgres
  wait_healthy mysql
  wait_healthy kafka
  if [[ $TEMPORAL_MODE == server ]]; then register_temporal_namespace; fi
  wait_healthy temporal
  # The Odoo fixture databases and their read-only account, once PostgreSQL is up (docs/erp-query-source.md).
  if [[ -n ${ORDERSYNC_POSTGRES_ADMIN_URL:-} ]] || grep -qs '^ORDERSYNC_POSTGRES_ADMIN_URL=' "$DATA_DIR/secrets.env"; then node --import tsx "$ROOT/scripts/infra/erp-postgres.ts" --secrets "$DATA_DIR/secrets.env" || die "PostgreSQL ERP setup failed (scripts/infra/erp-postgres.ts)"; fi
  start_codec
  wait_codec
  if [[ $TEMPORAL_MODE == server ]]; then start_temporal_ui; fi
  status
}

status() {
  local rc=0 version
  if codec_healthy; then
    log "codec server: healthy on http://127.0.0.1:$CODEC_PORT"
  else
    log "codec server: not answering on 127.0.0.1:$CODEC_PORT (the UI shows encrypted payloads)"
  fi
  postgres_status || rc=1
  temporal_status
  probe status || rc=$?
  if version=$(running_kafka_version); then
    log "kafka is version $version, $(running_kafka_nodes) node(s), data in $DATA_DIR/kafka"
    [[ $version == "$KAFKA_VERSION" ]] ||
      log "ORDERSYNC_KAFKA_VERSION asks for $KAFKA_VERSION; 'up' switches to it"
  fi
  return "$rc"
}

stop_one() {
  local name=$1 expect=$2 signal=${3:-TERM} pid
  if ! pid=$(our_pid "$name" "$expect"); then
    rm -f "$(pidfile "$name")"
    return
  fi
  log "stopping $name (pid $pid)"
  kill "-$signal" -- "-$pid" 2>/dev/null || kill "-$signal" "$pid" 2>/dev/null || true
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
  stop_one codec codec-server
  stop_one temporal-ui "$TEMPORAL_UI_BIN"
  # One pid file for either kind; stop_one forgets a pid file whose process is not the one named.
  if our_pid temporal "server start-dev" >/dev/null; then
    stop_one temporal "server start-dev"
  else
    stop_one temporal "$TEMPORAL_SERVER_BIN"
  fi
  stop_kafka
  stop_one mysql mariadbd
  # SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to leave.
  stop_one postgres "$PG_BIN/postgres" INT
}

reset() {
  down
  log "deleting $DATA_DIR"
  rm -rf "$DATA_DIR"
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

cmd=${1:-}
case $cmd in
  install) install_all ;;
  up) up ;;
  kafka-node) start_kafka_node "${2:?usage: infra.sh kafka-node N}" ;;
  status) status ;;
  down) down ;;
  reset) reset ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
