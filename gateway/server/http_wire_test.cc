// What SerializeResponse writes, read back by Beast's own HTTP parser.

#include "gateway/server/http_wire.h"

#include <string>

#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/http.hpp"
#include "gtest/gtest.h"

namespace fineprint::gateway::server {
namespace {

namespace http = boost::beast::http;

// Parses `wire` as the answer to a GET (or HEAD); fails the test on error.
http::response<http::string_body> Parse(const std::string& wire,
                                        bool head = false) {
  http::response_parser<http::string_body> parser;
  parser.skip(head);
  boost::beast::error_code ec;
  parser.eager(true);
  size_t used = parser.put(boost::asio::buffer(wire), ec);
  EXPECT_FALSE(ec) << ec.message();
  if (!parser.is_done()) {
    parser.put_eof(ec);
  }
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(used, wire.size());
  return parser.release();
}

TEST(SerializeResponse, StatusHeadersLengthAndBody) {
  HttpResponse r;
  r.status = 201;
  r.SetHeader("content-type", "application/json");
  r.SetHeader("x-request-id", "abc");
  r.body = "{\"a\":1}";
  std::string wire;
  SerializeResponse(r, /*keep_alive=*/true, /*head=*/false, &wire);
  EXPECT_EQ(wire.rfind("HTTP/1.1 201 Created\r\n", 0), 0u) << wire;
  auto parsed = Parse(wire);
  EXPECT_EQ(parsed.result_int(), 201);
  EXPECT_EQ(parsed[http::field::content_type], "application/json");
  EXPECT_EQ(parsed["x-request-id"], "abc");
  EXPECT_EQ(parsed[http::field::content_length], "7");
  EXPECT_EQ(parsed["x-content-type-options"], "nosniff");
  EXPECT_EQ(parsed["referrer-policy"], "no-referrer");
  EXPECT_EQ(parsed[http::field::server], "fineprint-edge");
  EXPECT_TRUE(parsed.keep_alive());
  EXPECT_EQ(parsed.body(), "{\"a\":1}");
}

TEST(SerializeResponse, CloseAndOwnLengthOrConnectionReplaced) {
  HttpResponse r;
  r.status = 400;
  r.SetHeader("content-length", "999");
  r.SetHeader("connection", "keep-alive");
  r.SetHeader("server", "someone-else");
  r.body = "bad";
  std::string wire;
  SerializeResponse(r, /*keep_alive=*/false, false, &wire);
  auto parsed = Parse(wire);
  EXPECT_EQ(parsed[http::field::content_length], "3");
  EXPECT_FALSE(parsed.keep_alive());
  EXPECT_EQ(parsed[http::field::server], "fineprint-edge");
  EXPECT_EQ(parsed.body(), "bad");
  EXPECT_EQ(wire.find("999"), std::string::npos);
}

TEST(SerializeResponse, NoBodyNorLengthFor204And304) {
  for (int status : {204, 304}) {
    HttpResponse r;
    r.status = status;
    r.body = "must not be sent";
    std::string wire;
    SerializeResponse(r, true, false, &wire);
    EXPECT_EQ(wire.find("Content-Length"), std::string::npos) << wire;
    EXPECT_EQ(wire.find("must not"), std::string::npos);
    EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n");
  }
}

TEST(SerializeResponse, HeadCarriesGetLengthWithoutBody) {
  HttpResponse r;
  r.body = std::string(1234, 'x');
  r.SetHeader("content-type", "text/plain");
  std::string wire;
  SerializeResponse(r, true, /*head=*/true, &wire);
  EXPECT_NE(wire.find("Content-Length: 1234\r\n"), std::string::npos);
  EXPECT_EQ(wire.find(std::string(10, 'x')), std::string::npos);
  auto parsed = Parse(wire, /*head=*/true);
  EXPECT_EQ(parsed.result_int(), 200);
  // A stream's HEAD: chunked, so no length and no terminating chunk.
  HttpResponse stream;
  stream.SetHeader("transfer-encoding", "chunked");
  std::string stream_wire;
  SerializeResponse(stream, true, true, &stream_wire);
  EXPECT_EQ(stream_wire.find("Content-Length"), std::string::npos);
  EXPECT_EQ(stream_wire.substr(stream_wire.size() - 4), "\r\n\r\n");
  EXPECT_EQ(stream_wire.find("0\r\n\r\n"), std::string::npos);
}

TEST(SerializeResponse, HeaderWithLineBreakIsDropped) {
  HttpResponse r;
  r.SetHeader("x-evil", "a\r\nset-cookie: b");
  r.SetHeader("x-good", "ok");
  std::string wire;
  SerializeResponse(r, true, false, &wire);
  EXPECT_EQ(wire.find("set-cookie"), std::string::npos);
  EXPECT_EQ(Parse(wire)["x-good"], "ok");
}

TEST(SerializeResponse, UnknownStatusStillHasAStatusLine) {
  HttpResponse r;
  r.status = 499;
  std::string wire;
  SerializeResponse(r, true, false, &wire);
  EXPECT_EQ(wire.rfind("HTTP/1.1 499 ", 0), 0u) << wire;
  EXPECT_EQ(Parse(wire).result_int(), 499);
}

}  // namespace
}  // namespace fineprint::gateway::server
