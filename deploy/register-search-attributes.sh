#!/bin/sh
# Run by the temporal-setup service (temporalio/admin-tools image): waits for
# the Temporal frontend and the namespace, then registers the search
# attributes that every run sets. Attributes that exist already are skipped,
# so it is safe to run again.
set -eu

address="${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS must name the Temporal frontend, such as temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"

until temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; do
  echo "waiting for Temporal at $address and namespace $namespace"
  sleep 2
done

for name in AutomationId ContactId RunStatus; do
  if temporal operator search-attribute list --address "$address" --namespace "$namespace" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --address "$address" --namespace "$namespace" --name "$name" --type Keyword
    echo "registered search attribute $name"
  fi
done
