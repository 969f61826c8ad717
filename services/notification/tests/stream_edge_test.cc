// The live stream through the REST edge as Server-Sent Events: each event
// carries `id:`; a client that drops its connection and reconnects with
// Last-Event-ID gets what was written meanwhile, then live events, nothing
// twice.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "fineprint/analysis/events/v1/events.pb.h"
#include "gateway/edge_app.h"
#include "services/notification/tests/notification_fixture.h"

namespace fineprint::notification::testing {
namespace {

// The contract's descriptor set in the test's runfiles (data dependency).
std::string DescriptorSetPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return absl::StrCat(srcdir != nullptr ? srcdir : ".",
                      "/fineprint/protos/fineprint_descriptor_set.pb");
}

struct SseEvent {
  std::string id;
  std::string data;
};

// A plain socket so the test controls the disconnect.
class SseClient {
 public:
  SseClient(int port, const std::string& path, const std::string& token,
            const std::string& last_event_id) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{20, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)),
              0);
    std::string req = absl::StrCat(
        "GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        "Accept: text/event-stream\r\nAuthorization: Bearer ", token, "\r\n",
        last_event_id.empty()
            ? ""
            : absl::StrCat("Last-Event-ID: ", last_event_id, "\r\n"),
        "\r\n");
    EXPECT_EQ(write(fd_, req.data(), req.size()),
              static_cast<ssize_t>(req.size()));
  }
  ~SseClient() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  // The next `n` events (each "id: ...\ndata: ...\n\n").
  std::vector<SseEvent> Read(size_t n) {
    while (events_.size() < n) {
      char buf[4096];
      const ssize_t got = read(fd_, buf, sizeof(buf));
      if (got <= 0) break;
      raw_.append(buf, static_cast<size_t>(got));
      for (size_t end; (end = raw_.find("\n\n")) != std::string::npos;) {
        SseEvent e;
        for (absl::string_view line :
             absl::StrSplit(absl::string_view(raw_).substr(0, end), '\n')) {
          if (absl::ConsumePrefix(&line, "id: ")) e.id = std::string(line);
          if (absl::ConsumePrefix(&line, "data: ")) e.data = std::string(line);
        }
        raw_.erase(0, end + 2);
        if (!e.data.empty()) events_.push_back(e);
      }
    }
    std::vector<SseEvent> out(events_.begin(),
                              events_.begin() + std::min(n, events_.size()));
    events_.erase(events_.begin(), events_.begin() + out.size());
    return out;
  }

 private:
  int fd_ = -1;
  std::string raw_;
  std::vector<SseEvent> events_;
};

class StreamEdgeTest : public NotificationTest {
 protected:
  static void SetUpTestSuite() {
    StartApps();
    gateway::EdgeAppOptions edge;
    edge.host.host = "127.0.0.1";
    edge.host.admin_port = -1;
    edge.descriptor_set = DescriptorSetPath();
    edge.backends = {
        absl::StrCat("fineprint.identity.v1.IdentityService=",
                     identity_target()),
        absl::StrCat("fineprint.notification.v1.NotificationService=",
                     app().grpc_target())};
    edge.edge.forward_headers = {"accept-language", "last-event-id"};
    edge.http.host = "127.0.0.1";
    edge.http.port = 0;
    edge.http.threads = 4;
    auto started = gateway::EdgeApp::Start(edge);
    ASSERT_TRUE(started.ok()) << started.status();
    edge_ = *std::move(started);
  }
  static void TearDownTestSuite() {
    edge_.reset();
    NotificationTest::TearDownTestSuite();
  }

  static std::string Publish(const Account& a, const std::string& title) {
    analysis::events::v1::AnalysisCompleted e;
    e.set_organization(a.org.name());
    e.set_title(title);
    return NotificationTest::Publish(e, "analysis");
  }

  static inline std::unique_ptr<gateway::EdgeApp> edge_;
};

TEST_F(StreamEdgeTest, ReconnectWithLastEventIdMissesNothing) {
  Account owner = SignUp();
  const std::string path =
      absl::StrCat("/v1/", owner.user.name(), "/notifications:stream");
  std::vector<std::string> titles;
  std::string last_id;
  {
    SseClient first(edge_->http_port(), path, owner.token, "");
    absl::SleepFor(absl::Milliseconds(500));  // stream takes its start
    Publish(owner, "one");
    Publish(owner, "two");
    auto got = first.Read(2);
    ASSERT_EQ(got.size(), 2u);
    for (const auto& e : got) {
      ASSERT_FALSE(e.id.empty()) << e.data;
      titles.push_back(e.data);
    }
    last_id = got[1].id;
    first.Close();  // a real disconnect
  }
  Publish(owner, "three");
  Publish(owner, "four");
  ASSERT_TRUE(WaitUntil([&] {
    return Count("SELECT count(*) FROM notifications WHERE org_id = $1",
                 {owner.org_id()}) == 4;
  }));
  SseClient second(edge_->http_port(), path, owner.token, last_id);
  auto missed = second.Read(2);
  ASSERT_EQ(missed.size(), 2u);
  Publish(owner, "five");
  auto live = second.Read(1);
  ASSERT_EQ(live.size(), 1u);
  for (const auto& e : missed) titles.push_back(e.data);
  titles.push_back(live[0].data);
  const char* expected[] = {"one", "two", "three", "four", "five"};
  ASSERT_EQ(titles.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(absl::StrContains(
        titles[i], absl::StrCat("Analysis of \\\"", expected[i], "\\\"")))
        << i << ": " << titles[i];
  }
  EXPECT_TRUE(absl::StrContains(live[0].data, "\"unreadCount\":5"))
      << live[0].data;
}

}  // namespace
}  // namespace fineprint::notification::testing
