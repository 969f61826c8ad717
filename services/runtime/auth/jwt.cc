#include "services/runtime/auth/jwt.h"

#include <sodium.h>

#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/runtime/status/status.h"

namespace fineprint::auth {
namespace {

constexpr absl::Duration kLeeway = kTokenLeeway;
constexpr absl::Duration kMaxLifetime = kMaxTokenLifetime;

void EnsureSodium() {
  static const bool ok = [] { return sodium_init() >= 0; }();
  if (!ok) std::abort();  // No safe way to continue without a CSPRNG.
}

absl::Status Reject(absl::string_view reason, absl::string_view message) {
  return status::WithReason(absl::UnauthenticatedError(message), reason);
}

absl::StatusOr<google::protobuf::Struct> ParseJsonObject(
    absl::string_view json) {
  google::protobuf::Struct out;
  google::protobuf::util::JsonParseOptions options;
  auto s = google::protobuf::util::JsonStringToMessage(std::string(json), &out,
                                                       options);
  if (!s.ok()) return absl::InvalidArgumentError("not a JSON object");
  return out;
}

std::string StringField(const google::protobuf::Struct& s, const char* key) {
  auto it = s.fields().find(key);
  if (it == s.fields().end() || !it->second.has_string_value()) return "";
  return it->second.string_value();
}

bool NumberField(const google::protobuf::Struct& s, const char* key,
                 double* out) {
  auto it = s.fields().find(key);
  if (it == s.fields().end() || !it->second.has_number_value()) return false;
  *out = it->second.number_value();
  return true;
}

std::string ToJson(const google::protobuf::Struct& s) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(s, &out);
  return out;
}

}  // namespace

SigningKey SigningKey::Generate(absl::string_view kid) {
  EnsureSodium();
  std::array<uint8_t, 32> seed;
  randombytes_buf(seed.data(), seed.size());
  SigningKey key = FromSeed(kid, seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

SigningKey SigningKey::FromSeed(absl::string_view kid,
                                const std::array<uint8_t, 32>& seed) {
  EnsureSodium();
  SigningKey key;
  key.kid = std::string(kid);
  crypto_sign_seed_keypair(key.public_key.data(), key.secret_key.data(),
                           seed.data());
  return key;
}

std::string Base64UrlEncode(absl::string_view bytes) {
  EnsureSodium();
  const size_t cap = sodium_base64_ENCODED_LEN(
      bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  std::string out(cap, '\0');
  sodium_bin2base64(out.data(), cap,
                    reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text) {
  EnsureSodium();
  std::string out(text.size(), '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()),
                        out.size(), text.data(), text.size(), nullptr, &len,
                        &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size()) {
    return absl::InvalidArgumentError("invalid base64url");
  }
  out.resize(len);
  return out;
}

std::string SignAccessToken(const Claims& claims, const SigningKey& key) {
  google::protobuf::Struct header;
  (*header.mutable_fields())["alg"].set_string_value("EdDSA");
  (*header.mutable_fields())["typ"].set_string_value("JWT");
  (*header.mutable_fields())["kid"].set_string_value(key.kid);

  google::protobuf::Struct payload;
  auto& f = *payload.mutable_fields();
  f["iss"].set_string_value(std::string(kTokenIssuer));
  f["aud"].set_string_value(std::string(kTokenAudience));
  f["sub"].set_string_value(claims.subject);
  f["org"].set_string_value(claims.organization);
  f["role"].set_string_value(claims.role);
  f["plan"].set_string_value(claims.plan);
  f["jti"].set_string_value(claims.token_id);
  if (!claims.session_id.empty()) f["sid"].set_string_value(claims.session_id);
  f["iat"].set_number_value(
      static_cast<double>(absl::ToUnixSeconds(claims.issued_at)));
  f["exp"].set_number_value(
      static_cast<double>(absl::ToUnixSeconds(claims.expires_at)));

  const std::string signing_input = absl::StrCat(
      Base64UrlEncode(ToJson(header)), ".", Base64UrlEncode(ToJson(payload)));
  std::array<uint8_t, crypto_sign_BYTES> sig;
  crypto_sign_detached(
      sig.data(), nullptr,
      reinterpret_cast<const unsigned char*>(signing_input.data()),
      signing_input.size(), key.secret_key.data());
  return absl::StrCat(
      signing_input, ".",
      Base64UrlEncode(absl::string_view(
          reinterpret_cast<const char*>(sig.data()), sig.size())));
}

absl::StatusOr<Claims> VerifyAccessToken(absl::string_view token,
                                         PublicKeyResolver& keys,
                                         absl::Time now) {
  EnsureSodium();
  if (token.size() > 8192) return Reject("TOKEN_MALFORMED", "token too large");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Reject("TOKEN_MALFORMED", "malformed token");

  auto header_json = Base64UrlDecode(parts[0]);
  auto payload_json = Base64UrlDecode(parts[1]);
  auto signature = Base64UrlDecode(parts[2]);
  if (!header_json.ok() || !payload_json.ok() || !signature.ok()) {
    return Reject("TOKEN_MALFORMED", "malformed token encoding");
  }
  auto header = ParseJsonObject(*header_json);
  if (!header.ok()) return Reject("TOKEN_MALFORMED", "malformed token header");
  if (StringField(*header, "alg") != "EdDSA") {
    return Reject("TOKEN_ALGORITHM", "token algorithm not accepted");
  }
  const std::string kid = StringField(*header, "kid");
  if (kid.empty()) return Reject("TOKEN_MALFORMED", "token has no key id");
  if (signature->size() != crypto_sign_BYTES) {
    return Reject("TOKEN_SIGNATURE", "bad token signature");
  }
  auto key = keys.Resolve(kid);
  if (!key.ok()) {
    if (key.status().code() == absl::StatusCode::kNotFound) {
      return Reject("TOKEN_UNKNOWN_KEY", "token signed by an unknown key");
    }
    return key.status();  // e.g. UNAVAILABLE: the key set cannot be fetched.
  }
  const size_t signed_len = parts[0].size() + 1 + parts[1].size();
  if (crypto_sign_verify_detached(
          reinterpret_cast<const unsigned char*>(signature->data()),
          reinterpret_cast<const unsigned char*>(token.data()), signed_len,
          key->data()) != 0) {
    return Reject("TOKEN_SIGNATURE", "bad token signature");
  }

  auto payload = ParseJsonObject(*payload_json);
  if (!payload.ok()) return Reject("TOKEN_MALFORMED", "malformed token claims");
  double iat = 0, exp = 0;
  if (!NumberField(*payload, "iat", &iat) ||
      !NumberField(*payload, "exp", &exp)) {
    return Reject("TOKEN_MALFORMED", "token lacks iat/exp");
  }
  if (StringField(*payload, "iss") != kTokenIssuer ||
      StringField(*payload, "aud") != kTokenAudience) {
    return Reject("TOKEN_AUDIENCE", "token not issued for this service");
  }
  Claims claims;
  claims.issued_at = absl::FromUnixSeconds(static_cast<int64_t>(iat));
  claims.expires_at = absl::FromUnixSeconds(static_cast<int64_t>(exp));
  if (now >= claims.expires_at + kLeeway) {
    return Reject("TOKEN_EXPIRED", "token expired");
  }
  if (claims.issued_at > now + kLeeway ||
      claims.expires_at - claims.issued_at > kMaxLifetime) {
    return Reject("TOKEN_NOT_VALID", "token validity window rejected");
  }
  claims.subject = StringField(*payload, "sub");
  claims.organization = StringField(*payload, "org");
  claims.role = StringField(*payload, "role");
  claims.plan = StringField(*payload, "plan");
  claims.token_id = StringField(*payload, "jti");
  claims.session_id = StringField(*payload, "sid");
  if (claims.subject.empty() || claims.organization.empty() ||
      claims.role.empty()) {
    return Reject("TOKEN_MALFORMED", "token lacks subject claims");
  }
  return claims;
}

}  // namespace fineprint::auth
