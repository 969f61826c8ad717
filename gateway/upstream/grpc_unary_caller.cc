#include "gateway/upstream/grpc_unary_caller.h"

#include <chrono>
#include <utility>
#include <vector>

#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"

namespace fineprint::gateway::upstream {
namespace {

struct InFlight {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  UnaryDone done;
};

}  // namespace

std::string FlattenByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

void GrpcUnaryCaller::Call(UnaryCall call, UnaryDone done) {
  auto* in_flight = new InFlight;
  in_flight->done = std::move(done);
  if (call.deadline != absl::InfiniteFuture()) {
    in_flight->context.set_deadline(absl::ToChronoTime(call.deadline));
  }
  for (auto& [name, value] : call.metadata) {
    in_flight->context.AddMetadata(std::move(name), std::move(value));
  }
  grpc::Slice slice(call.request);
  in_flight->request = grpc::ByteBuffer(&slice, 1);
  stub_.UnaryCall(&in_flight->context, call.method, grpc::StubOptions(),
                  &in_flight->request, &in_flight->response,
                  [in_flight](grpc::Status status) {
                    // The ClientContext goes before `done` runs: whoever
                    // waits for `done` may then destroy the channel.
                    std::unique_ptr<InFlight> owned(in_flight);
                    UnaryDone done = std::move(owned->done);
                    std::string response =
                        status.ok() ? FlattenByteBuffer(owned->response)
                                    : std::string();
                    owned.reset();
                    done(status, std::move(response));
                  });
}

}  // namespace fineprint::gateway::upstream
