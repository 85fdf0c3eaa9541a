# The broker's topics and what each service's role may do there: one table for both deployments, sourced by
# infra/docker/pulsar-init.sh (docker compose, bin/pulsar-admin) and infra/up.sh (make up, the admin REST API).
# The sourcing script defines `grant ROLE ACTION TOPIC` and `grant_namespace ROLE ACTION`, creates every topic
# of PULSAR_TOPICS (a topic-level grant needs its topic), then calls pulsar_grants. POSIX sh.
#
#   role        produce                                           consume
#   ingestion   data-ingested                                     -
#   validation  data-validated, data-ingested-validation_svc-DLQ  data-ingested
#   processing  data-processed, data-ingested-processing_svc-DLQ  data-ingested
#   query       the three event topics (dead-letter redrive),     the whole namespace (its projector and
#               its three dead-letter topics                      rebuild readers; the operator's
#                                                                 dead-letter API lists every topic)
#   admin       everything: the superuser (superUserRoles), for provisioning, `make status` and the tests

# The event topics, then the dead-letter topics (<topic>-<subscription>-DLQ, contracts.dead_letter_topic).
PULSAR_TOPICS="data-ingested data-validated data-processed
  data-ingested-validation_svc-DLQ data-ingested-processing_svc-DLQ
  data-ingested-query-projector-DLQ data-validated-query-projector-DLQ data-processed-query-projector-DLQ"

pulsar_grants() {
  grant ingestion produce data-ingested
  grant validation consume data-ingested
  grant validation produce data-validated
  grant validation produce data-ingested-validation_svc-DLQ
  grant processing consume data-ingested
  grant processing produce data-processed
  grant processing produce data-ingested-processing_svc-DLQ
  grant_namespace query consume
  grant query produce data-ingested
  grant query produce data-validated
  grant query produce data-processed
  grant query produce data-ingested-query-projector-DLQ
  grant query produce data-validated-query-projector-DLQ
  grant query produce data-processed-query-projector-DLQ
}
