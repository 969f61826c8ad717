#include "gateway/server/compression.h"

#include <zlib.h>

#include <string>

#include "brotli/decode.h"
#include "gtest/gtest.h"

namespace fineprint::gateway::server {
namespace {

TEST(CompressionTest, ChoosesByAcceptEncoding) {
  EXPECT_EQ(ChooseContentCoding(""), ContentCoding::kIdentity);
  EXPECT_EQ(ChooseContentCoding("gzip"), ContentCoding::kGzip);
  EXPECT_EQ(ChooseContentCoding("x-gzip"), ContentCoding::kGzip);
  EXPECT_EQ(ChooseContentCoding("gzip, deflate, br"), ContentCoding::kBrotli);
  EXPECT_EQ(ChooseContentCoding("br;q=0.5, gzip"), ContentCoding::kGzip);
  EXPECT_EQ(ChooseContentCoding("br;q=0, GZIP ; q=0.1"), ContentCoding::kGzip);
  EXPECT_EQ(ChooseContentCoding("gzip;q=0, br;q=0"), ContentCoding::kIdentity);
  EXPECT_EQ(ChooseContentCoding("*"), ContentCoding::kBrotli);
  EXPECT_EQ(ChooseContentCoding("*;q=0.2, br;q=0"), ContentCoding::kGzip);
  EXPECT_EQ(ChooseContentCoding("identity, deflate"), ContentCoding::kIdentity);
  EXPECT_EQ(ChooseContentCoding("gzip;q=bogus"), ContentCoding::kIdentity);
}

TEST(CompressionTest, CompressibleTypes) {
  EXPECT_TRUE(IsCompressible("application/json"));
  EXPECT_TRUE(IsCompressible("application/json; charset=utf-8"));
  EXPECT_TRUE(IsCompressible("text/html"));
  EXPECT_TRUE(IsCompressible("application/problem+json"));
  EXPECT_FALSE(IsCompressible("image/png"));
  EXPECT_FALSE(IsCompressible("application/octet-stream"));
}

std::string Sample() {
  std::string s;
  for (int i = 0; i < 200; ++i)
    s += "{\"name\":\"orgs/o1/users/u" + std::to_string(i) + "\"}\n";
  return s;
}

TEST(CompressionTest, GzipRoundTrip) {
  const std::string plain = Sample();
  auto gz = Compress(plain, ContentCoding::kGzip);
  ASSERT_TRUE(gz.ok()) << gz.status();
  EXPECT_LT(gz->size(), plain.size() / 4);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);  // gzip magic
  auto back = Gunzip(*gz, 1 << 20);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, plain);
  // Two members concatenated are one body (RFC 1952).
  back = Gunzip(*gz + *gz, 1 << 20);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, plain + plain);
}

TEST(CompressionTest, BrotliRoundTrip) {
  const std::string plain = Sample();
  auto br = Compress(plain, ContentCoding::kBrotli);
  ASSERT_TRUE(br.ok()) << br.status();
  EXPECT_LT(br->size(), plain.size() / 4);
  std::string back(plain.size(), '\0');
  size_t size = back.size();
  ASSERT_EQ(BrotliDecoderDecompress(
                br->size(), reinterpret_cast<const uint8_t*>(br->data()), &size,
                reinterpret_cast<uint8_t*>(back.data())),
            BROTLI_DECODER_RESULT_SUCCESS);
  back.resize(size);
  EXPECT_EQ(back, plain);
}

TEST(CompressionTest, GunzipStopsAtTheLimit) {
  // 64 MiB of zeros is ~64 KiB of gzip: it must fail without inflating it all.
  const std::string bomb_plain(64 << 20, '\0');
  auto bomb = Compress(bomb_plain, ContentCoding::kGzip);
  ASSERT_TRUE(bomb.ok());
  EXPECT_LT(bomb->size(), 100u << 10);
  auto r = Gunzip(*bomb, 4 << 20);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted)
      << r.status();
  // Exactly at the limit is fine.
  auto small = Compress(std::string(1000, 'a'), ContentCoding::kGzip);
  EXPECT_TRUE(Gunzip(*small, 1000).ok());
  EXPECT_EQ(Gunzip(*small, 999).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(CompressionTest, GunzipRejectsGarbage) {
  auto gz = Compress(Sample(), ContentCoding::kGzip);
  EXPECT_EQ(Gunzip("not gzip at all", 1 << 20).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Gunzip(gz->substr(0, gz->size() / 2), 1 << 20).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Gunzip(*gz + "trailing", 1 << 20).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fineprint::gateway::server
