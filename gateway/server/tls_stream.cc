#include "gateway/server/tls_stream.h"

namespace fineprint::gateway::server {

absl::StatusOr<std::shared_ptr<EdgeTls>> EdgeTls::Open(
    const std::string& cert_file, const std::string& key_file) {
  absl::StatusOr<std::unique_ptr<tls::ServerContextStore>> store =
      tls::ServerContextStore::Open(cert_file, key_file);
  if (!store.ok()) return store.status();
  std::shared_ptr<EdgeTls> edge(new EdgeTls(*std::move(store)));
  edge->Publish();
  return edge;
}

absl::Status EdgeTls::Reload() {
  if (absl::Status s = store_->Reload(); !s.ok()) return s;
  Publish();
  return absl::OkStatus();
}

void EdgeTls::Publish() {
  std::shared_ptr<SSL_CTX> ctx = store_->Current();
  // asio's context owns one reference; the store keeps its own.
  SSL_CTX_up_ref(ctx.get());
  auto next = std::make_shared<boost::asio::ssl::context>(ctx.get());
  absl::MutexLock lock(&mu_);
  current_ = std::move(next);
}

std::shared_ptr<boost::asio::ssl::context> EdgeTls::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

}  // namespace fineprint::gateway::server
