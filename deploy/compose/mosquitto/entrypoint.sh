#!/bin/sh
# Start-up of the compose stack's Mosquitto (eclipse-mosquitto image, run as its mosquitto user).
# First start: creates the dynamic-security file with the hub's account `fleetbench-hub` (a dynsec admin) and the
# password MQTT_HUB_PASSWORD from .env; `dynsec init` works on the file alone. The `fleetbench-hub` role that lets the
# account publish jobs is added by the mosquitto-setup service once the broker runs
# (deploy/mosquitto/ensure-hub-account.cjs). Later starts keep the file as it is: it holds every agent's account.
set -eu

CONFIG=${MOSQUITTO_CONFIG:-/mosquitto/config/mosquitto.conf}
DYNSEC_FILE=$(sed -n 's/^plugin_opt_config_file[[:space:]]\{1,\}//p' "$CONFIG")
HUB_USER=fleetbench-hub

if [ -z "$DYNSEC_FILE" ]; then
  echo "entrypoint: no plugin_opt_config_file in $CONFIG" >&2
  exit 1
fi
if [ ! -f "$DYNSEC_FILE" ]; then
  if [ -z "${MQTT_HUB_PASSWORD:-}" ]; then
    echo "entrypoint: MQTT_HUB_PASSWORD is not set (see deploy/compose/.env.example)" >&2
    exit 1
  fi
  umask 077
  # mosquitto_ctrl exits 0 even when it fails: check the file instead.
  mosquitto_ctrl dynsec init "$DYNSEC_FILE" "$HUB_USER" "$MQTT_HUB_PASSWORD" > /dev/null
  if [ ! -s "$DYNSEC_FILE" ]; then
    echo "entrypoint: mosquitto_ctrl dynsec init did not write $DYNSEC_FILE" >&2
    exit 1
  fi
  chmod 600 "$DYNSEC_FILE"
  echo "entrypoint: created $DYNSEC_FILE with the dynsec admin $HUB_USER"
fi

exec mosquitto -c "$CONFIG"
