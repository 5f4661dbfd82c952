#!/usr/bin/env bash
# MySQL bootstrap for docker-compose.yml. It creates the same databases and
# least-privilege accounts that scripts/infra.sh creates for a local server.
# The mysql image runs this from /docker-entrypoint-initdb.d/ exactly once, on
# an empty data volume, against its temporary socket-only server. Passwords come
# from the container environment, which compose fills with dev defaults.

# If the file has no exec bit (some checkouts drop file modes), the image
# sources it instead of running it. A child shell keeps our `set` options and
# `exit` out of the entrypoint, and a failure still stops the init.
if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
  bash "${BASH_SOURCE[0]}"
  return
fi

set -euo pipefail

for var in MYSQL_ROOT_PASSWORD ORDERSYNC_APP_PASSWORD ORDERSYNC_MIGRATOR_PASSWORD \
  ERP_READER_PASSWORD ERP_WRITER_PASSWORD; do
  if [[ -z ${!var:-} ]]; then
    echo "mysql-init: $var is empty or not set" >&2
    exit 1
  fi
done

APP_DATABASES=(ordersync ordersync_test)
ERP_DATABASES=(erp erp_test)
DML='SELECT, INSERT, UPDATE, DELETE'
DDL_DML='SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, INDEX, REFERENCES, CREATE VIEW, SHOW VIEW'

# Prints a value as a single-quoted SQL string literal.
sql_string() {
  local s=${1//\\/\\\\}
  s=${s//\'/\'\'}
  printf "'%s'" "$s"
}

# Prints the statements for one account at '%' and its grants. ALTER USER makes
# the password follow the environment even if the account already exists.
# GRANT reads `_` in a database name as a wildcard, so it is escaped: the grant
# on ordersync_test must not also match, say, ordersyncXtest.
account() {
  local user=$1 password=$2 privileges=$3 db
  shift 3
  printf "CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY %s;\n" "$user" "$(sql_string "$password")"
  printf "ALTER USER '%s'@'%%' IDENTIFIED BY %s;\n" "$user" "$(sql_string "$password")"
  for db in "$@"; do
    printf "GRANT %s ON \`%s\`.* TO '%s'@'%%';\n" "$privileges" "${db//_/\\_}" "$user"
  done
}

statements() {
  local db
  for db in "${APP_DATABASES[@]}" "${ERP_DATABASES[@]}"; do
    printf 'CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n' "$db"
  done
  account ordersync_app "$ORDERSYNC_APP_PASSWORD" "$DML" "${APP_DATABASES[@]}"
  account ordersync_migrator "$ORDERSYNC_MIGRATOR_PASSWORD" "$DDL_DML" "${APP_DATABASES[@]}"
  account erp_reader "$ERP_READER_PASSWORD" 'SELECT' "${ERP_DATABASES[@]}"
  account erp_writer "$ERP_WRITER_PASSWORD" "$DDL_DML" "${ERP_DATABASES[@]}"
}

# The root password goes in through an option "file", as the image's own
# entrypoint does, so it is not on a command line. The temporary server has
# networking off, hence the socket.
statements | mysql \
  --defaults-extra-file=<(printf '[client]\nuser=root\npassword="%s"\n' "$MYSQL_ROOT_PASSWORD") \
  --protocol=socket -hlocalhost

echo "mysql-init: created databases ${APP_DATABASES[*]} ${ERP_DATABASES[*]}" \
  "and users ordersync_app, ordersync_migrator, erp_reader, erp_writer"
