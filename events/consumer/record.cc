#include "events/consumer/record.h"

#include <sys/types.h>

namespace fineprint::events {

RawRecord CopyRecord(const rd_kafka_message_t& message) {
  RawRecord record;
  if (message.rkt != nullptr) record.topic = rd_kafka_topic_name(message.rkt);
  record.partition = message.partition;
  record.offset = message.offset;
  if (message.key != nullptr) {
    record.key.emplace(static_cast<const char*>(message.key), message.key_len);
  }
  if (message.payload != nullptr) {
    record.value.emplace(static_cast<const char*>(message.payload),
                         message.len);
  }
  rd_kafka_timestamp_type_t type;
  record.timestamp_ms = rd_kafka_message_timestamp(&message, &type);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&message, &headers) ==
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
         RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      record.headers.emplace_back(
          name, value == nullptr
                    ? std::string()
                    : std::string(static_cast<const char*>(value), size));
    }
  }
  return record;
}

std::optional<std::string> FindHeader(const RecordHeaders& headers,
                                      absl::string_view name) {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return std::nullopt;
}

rd_kafka_headers_t* ToKafkaHeaders(const RecordHeaders& headers) {
  rd_kafka_headers_t* out = rd_kafka_headers_new(headers.size() + 1);
  for (const auto& [name, value] : headers) {
    rd_kafka_header_add(out, name.data(), static_cast<ssize_t>(name.size()),
                        value.data(), static_cast<ssize_t>(value.size()));
  }
  return out;
}

}  // namespace fineprint::events
