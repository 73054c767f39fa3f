#!/usr/bin/env bash
# Creates the gateway's topics, or brings the settings of existing ones in line. Safe to run again.
# Runs in the apache/kafka image (compose's kafka-init) or anywhere Kafka's CLI tools are installed:
#   BOOTSTRAP_SERVERS=kafka-1.tinh.gov.vn:9093 COMMAND_CONFIG=admin.properties PORTALS="angiang ..." create-topics.sh
# Every setting comes from the environment; compose.yaml sets them all.
set -euo pipefail
source "$(dirname "$0")/cluster-settings.sh"
REPLICATION_FACTOR=${REPLICATION_FACTOR:-3}
MIN_INSYNC_REPLICAS=${MIN_INSYNC_REPLICAS:-2}
REQUEST_PARTITIONS=${REQUEST_PARTITIONS:-12}
OUTCOME_PARTITIONS=${OUTCOME_PARTITIONS:-12}
DEADLETTER_PARTITIONS=${DEADLETTER_PARTITIONS:-3}
AUDIT_PARTITIONS=${AUDIT_PARTITIONS:-6}
REQUEST_RETENTION_MS=${REQUEST_RETENTION_MS:-604800000}       # 7 days
OUTCOME_RETENTION_MS=${OUTCOME_RETENTION_MS:-604800000}       # 7 days
DEADLETTER_RETENTION_MS=${DEADLETTER_RETENTION_MS:-2592000000} # 30 days
: "${AUDIT_RETENTION_MS:?the audit trail's retention is the operator's legal decision: set it explicitly}"

# topic NAME PARTITIONS RETENTION_MS
topic() {
  local name=$1 partitions=$2 retention=$3
  local configs="retention.ms=$retention,min.insync.replicas=$MIN_INSYNC_REPLICAS,cleanup.policy=delete"
  "$KAFKA_BIN/kafka-topics.sh" "${connection[@]}" --create --if-not-exists --topic "$name" \
    --partitions "$partitions" --replication-factor "$REPLICATION_FACTOR" \
    --config "retention.ms=$retention" --config "min.insync.replicas=$MIN_INSYNC_REPLICAS" \
    --config cleanup.policy=delete >/dev/null
  # --if-not-exists leaves an existing topic as it was: converge its settings explicitly.
  "$KAFKA_BIN/kafka-configs.sh" "${connection[@]}" --alter --entity-type topics --entity-name "$name" \
    --add-config "$configs" >/dev/null
  local actual
  actual=$("$KAFKA_BIN/kafka-topics.sh" "${connection[@]}" --describe --topic "$name" \
    | sed -n 's/.*PartitionCount: *\([0-9]*\).*/\1/p' | head -n 1)
  # Partitions are never added here: that moves keys to other partitions, an operator's decision.
  if [[ $actual != "$partitions" ]]; then
    echo "create-topics: warning: $name has $actual partitions, $partitions wanted (not changed)" >&2
  fi
  echo "create-topics: $name partitions=$actual replication=$REPLICATION_FACTOR retention.ms=$retention"
}

for portal in $PORTALS; do
  topic "$REQUEST_PREFIX$portal" "$REQUEST_PARTITIONS" "$REQUEST_RETENTION_MS"
  topic "$OUTCOME_PREFIX$portal" "$OUTCOME_PARTITIONS" "$OUTCOME_RETENTION_MS"
done
topic "$DEADLETTER_TOPIC" "$DEADLETTER_PARTITIONS" "$DEADLETTER_RETENTION_MS"
topic "$AUDIT_TOPIC" "$AUDIT_PARTITIONS" "$AUDIT_RETENTION_MS"
echo "create-topics: done"
