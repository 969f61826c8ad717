#ifndef FINEPRINT_GATEWAY_UPSTREAM_H2_UNARY_CALLER_H_
#define FINEPRINT_GATEWAY_UPSTREAM_H2_UNARY_CALLER_H_

// Unary calls to one plaintext backend over the edge's own HTTP/2 client:
// on an HTTP server I/O thread the call goes over that thread's connection
// to the backend (made on first use, replaced when it breaks or the server
// sends GOAWAY) and `done` runs on that thread. Anywhere else (the
// authentication workers) the call goes to `fallback`.

#include <memory>

#include "gateway/upstream/h2_connection.h"
#include "gateway/upstream/unary_caller.h"

namespace fineprint::gateway::upstream {

class H2UnaryCaller : public UnaryCaller {
 public:
  // `fallback` must outlive this; this must outlive the I/O threads.
  H2UnaryCaller(H2Target target, H2ConnectionOptions options,
                UnaryCaller* fallback)
      : target_(std::move(target)), options_(options), fallback_(fallback) {}

  void Call(UnaryCall call, UnaryDone done) override;

 private:
  class ThreadConnections;

  const H2Target target_;
  const H2ConnectionOptions options_;
  UnaryCaller* const fallback_;
};

}  // namespace fineprint::gateway::upstream

#endif  // FINEPRINT_GATEWAY_UPSTREAM_H2_UNARY_CALLER_H_
