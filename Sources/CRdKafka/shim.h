#ifndef DANCU_CRDKAFKA_SHIM_H
#define DANCU_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* One error on a mock broker's error stack: the librdkafka function is variadic, which Swift cannot call. */
static inline rd_kafka_resp_err_t dancu_mock_broker_push_request_error(rd_kafka_mock_cluster_t *cluster,
                                                                       int32_t broker_id,
                                                                       int16_t api_key,
                                                                       rd_kafka_resp_err_t error,
                                                                       int rtt_ms) {
    return rd_kafka_mock_broker_push_request_error_rtts(cluster, broker_id, api_key, 1, error, rtt_ms);
}

#endif
