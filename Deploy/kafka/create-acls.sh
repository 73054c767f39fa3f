#!/usr/bin/env bash
# Grants each principal exactly what it needs, so that portal isolation is enforced by the brokers, not
# promised by the gateway: a portal writes only its request topic and reads only its outcome topic; the
# gateway reads request topics (in its group) and writes outcome, dead-letter and audit topics; KEDA only
# describes what it measures lag on. Safe to run again (adding an ACL that exists changes nothing).
# Runs in the apache/kafka image (compose's kafka-init) or anywhere Kafka's CLI tools are installed:
#   BOOTSTRAP_SERVERS=kafka-1.tinh.gov.vn:9093 COMMAND_CONFIG=admin.properties PORTALS="angiang ..." create-acls.sh
# Principals: User:<PORTAL_PRINCIPAL_PREFIX><portal id> for each portal, User:<GATEWAY_PRINCIPAL>, User:<KEDA_PRINCIPAL>.
set -euo pipefail
source "$(dirname "$0")/cluster-settings.sh"
GATEWAY_GROUP=${GATEWAY_GROUP:-dancu-gateway}
GATEWAY_PRINCIPAL=${GATEWAY_PRINCIPAL:-dancu-gateway}
KEDA_PRINCIPAL=${KEDA_PRINCIPAL:-keda}
PORTAL_PRINCIPAL_PREFIX=${PORTAL_PRINCIPAL_PREFIX:-portal-}

# allow PRINCIPAL OPERATION RESOURCE-OPTIONS...
allow() {
  local principal=$1 operation=$2
  shift 2
  "$KAFKA_BIN/kafka-acls.sh" "${connection[@]}" --add --allow-principal "User:$principal" \
    --operation "$operation" "$@" >/dev/null
  echo "create-acls: User:$principal $operation $*"
}

for portal in $PORTALS; do
  principal="$PORTAL_PRINCIPAL_PREFIX$portal"
  # The idempotent producer portals should use needs IdempotentWrite on the cluster in Kafka < 3.2 only;
  # WRITE on the topic implies it since then (KIP-679).
  allow "$principal" WRITE --topic "$REQUEST_PREFIX$portal"
  allow "$principal" DESCRIBE --topic "$REQUEST_PREFIX$portal"
  allow "$principal" READ --topic "$OUTCOME_PREFIX$portal"
  allow "$principal" DESCRIBE --topic "$OUTCOME_PREFIX$portal"
  # A portal's own consumer groups, named after it: it cannot join (or disturb) anyone else's group.
  allow "$principal" READ --group "$principal" --resource-pattern-type prefixed
done

# The gateway: every request topic (prefixed, so new portals need no new ACL for it), its consumer group,
# and the topics it writes.
allow "$GATEWAY_PRINCIPAL" READ --topic "$REQUEST_PREFIX" --resource-pattern-type prefixed
allow "$GATEWAY_PRINCIPAL" DESCRIBE --topic "$REQUEST_PREFIX" --resource-pattern-type prefixed
allow "$GATEWAY_PRINCIPAL" READ --group "$GATEWAY_GROUP"
allow "$GATEWAY_PRINCIPAL" WRITE --topic "$OUTCOME_PREFIX" --resource-pattern-type prefixed
allow "$GATEWAY_PRINCIPAL" DESCRIBE --topic "$OUTCOME_PREFIX" --resource-pattern-type prefixed
allow "$GATEWAY_PRINCIPAL" WRITE --topic "$DEADLETTER_TOPIC"
allow "$GATEWAY_PRINCIPAL" DESCRIBE --topic "$DEADLETTER_TOPIC"
allow "$GATEWAY_PRINCIPAL" WRITE --topic "$AUDIT_TOPIC"
allow "$GATEWAY_PRINCIPAL" DESCRIBE --topic "$AUDIT_TOPIC"

# KEDA reads the gateway group's lag: DESCRIBE on the group and the request topics, nothing more.
allow "$KEDA_PRINCIPAL" DESCRIBE --group "$GATEWAY_GROUP"
allow "$KEDA_PRINCIPAL" DESCRIBE --topic "$REQUEST_PREFIX" --resource-pattern-type prefixed
echo "create-acls: done"
