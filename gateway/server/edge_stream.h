#ifndef FINEPRINT_GATEWAY_SERVER_EDGE_STREAM_H_
#define FINEPRINT_GATEWAY_SERVER_EDGE_STREAM_H_

// How the edge serves server-streaming methods (see edge_stream.cc).

#include "absl/time/time.h"

namespace fineprint::gateway::server {

struct StreamOptions {
  // An SSE stream that wrote nothing for this long gets a comment line
  // (`: heartbeat`), so proxies and load balancers that cut idle
  // connections keep it open; the first one also sends the response head
  // of a stream whose backend has not said anything yet. Zero disables.
  // NDJSON has no comment syntax and gets none.
  absl::Duration heartbeat = absl::Seconds(15);
  // The deadline of a streaming call in place of the unary default/max
  // timeout, which would cut a live stream after 30 s. Zero: none (the
  // stream lasts until the client or the backend ends it, or the edge
  // stops).
  absl::Duration max_duration = absl::ZeroDuration();
};

}  // namespace fineprint::gateway::server

#endif  // FINEPRINT_GATEWAY_SERVER_EDGE_STREAM_H_
