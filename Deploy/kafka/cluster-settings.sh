# Sourced by create-topics.sh and create-acls.sh: the settings both need, from the environment with the
# gateway's defaults, and how the Kafka CLI tools connect.
: "${BOOTSTRAP_SERVERS:?comma-separated host:port of the brokers}"
: "${PORTALS:?space-separated portal ids, as in gateway.yaml portals[].id}"
KAFKA_BIN=${KAFKA_BIN:-/opt/kafka/bin}
REQUEST_PREFIX=${REQUEST_PREFIX:-dancu.requests.}
OUTCOME_PREFIX=${OUTCOME_PREFIX:-dancu.outcomes.}
DEADLETTER_TOPIC=${DEADLETTER_TOPIC:-dancu.deadletter}
AUDIT_TOPIC=${AUDIT_TOPIC:-dancu.audit}

# TLS/SASL settings for the admin client (a properties file), when the brokers require them.
connection=(--bootstrap-server "$BOOTSTRAP_SERVERS")
if [[ -n ${COMMAND_CONFIG:-} ]]; then
  connection+=(--command-config "$COMMAND_CONFIG")
fi
