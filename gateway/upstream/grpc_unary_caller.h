#ifndef FINEPRINT_GATEWAY_UPSTREAM_GRPC_UNARY_CALLER_H_
#define FINEPRINT_GATEWAY_UPSTREAM_GRPC_UNARY_CALLER_H_

// Unary calls over a gRPC channel (generic, bytes in and out). `done` runs
// on a gRPC thread.

#include <memory>

#include "gateway/upstream/unary_caller.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"

namespace fineprint::gateway::upstream {

// The bytes of a gRPC ByteBuffer in one string.
std::string FlattenByteBuffer(const grpc::ByteBuffer& buffer);

class GrpcUnaryCaller : public UnaryCaller {
 public:
  explicit GrpcUnaryCaller(std::shared_ptr<grpc::Channel> channel)
      : stub_(std::move(channel)) {}

  void Call(UnaryCall call, UnaryDone done) override;

 private:
  grpc::GenericStub stub_;
};

}  // namespace fineprint::gateway::upstream

#endif  // FINEPRINT_GATEWAY_UPSTREAM_GRPC_UNARY_CALLER_H_
