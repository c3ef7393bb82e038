#!/bin/sh
# Sets deskapp_collector's password from the compose secret at the database's first start.
# printf is a shell builtin and psql reads stdin: the password is in no process list.
set -eu
pw=$(cat /run/secrets/collector_password)
printf "ALTER ROLE deskapp_collector PASSWORD '%s';\n" "$pw" | psql -v ON_ERROR_STOP=1 -q \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB"
