// A stand-in for libFuzzer's main() under gcc (which has no -fsanitize=fuzzer):
// runs LLVMFuzzerTestOneInput over every seed file in the directories given
// on the command line, then over mutations of them for a bounded time
// (FUZZ_SECONDS, default 10; FUZZ_SEED for a reproducible run). With clang
// the same fuzzer sources link against libFuzzer instead (see README.md).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> LoadSeeds(int argc, char** argv) {
  std::vector<std::string> seeds;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(argv[i], ec)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      seeds.push_back(s.str());
    }
    if (ec) std::fprintf(stderr, "cannot read corpus %s\n", argv[i]);
  }
  if (seeds.empty()) seeds.push_back("");
  return seeds;
}

// Interesting bytes for URL/JSON parsers.
constexpr char kTokens[] = "/{}*=.:%?&[]\"\\,+-0123456789aZ_ \n\t\xff\xc3\xa9";

std::string Mutate(std::string s, const std::vector<std::string>& seeds,
                   std::mt19937_64& rng) {
  auto pick = [&rng](size_t n) { return n == 0 ? 0 : rng() % n; };
  int rounds = 1 + static_cast<int>(pick(4));
  for (int r = 0; r < rounds; ++r) {
    switch (pick(6)) {
      case 0:  // flip a byte
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1 << pick(8));
        break;
      case 1:  // insert a token
        s.insert(s.begin() + pick(s.size() + 1),
                 kTokens[pick(sizeof(kTokens) - 1)]);
        break;
      case 2:  // erase a range
        if (!s.empty()) {
          size_t at = pick(s.size());
          s.erase(at, 1 + pick(std::min<size_t>(8, s.size() - at)));
        }
        break;
      case 3: {  // splice another seed
        const std::string& other = seeds[pick(seeds.size())];
        if (!other.empty()) {
          size_t from = pick(other.size());
          s.insert(pick(s.size() + 1), other.substr(from, 1 + pick(16)));
        }
        break;
      }
      case 4:  // duplicate a range
        if (!s.empty()) {
          size_t at = pick(s.size());
          s.insert(at, s.substr(at, 1 + pick(16)));
        }
        break;
      case 5:  // random byte
        s.insert(s.begin() + pick(s.size() + 1), static_cast<char>(pick(256)));
        break;
    }
  }
  if (s.size() > 4096) s.resize(4096);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const char* secs_env = std::getenv("FUZZ_SECONDS");
  const double seconds = secs_env != nullptr ? std::atof(secs_env) : 10.0;
  const char* seed_env = std::getenv("FUZZ_SEED");
  const uint64_t seed = seed_env != nullptr
                            ? std::strtoull(seed_env, nullptr, 10)
                            : std::random_device{}();
  // Mutations are a pure function of the seed, so a crash found here
  // replays with FUZZ_SEED=<seed>.
  std::printf("fuzz driver: FUZZ_SEED=%llu\n",
              static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  std::mt19937_64 rng(seed);
  std::vector<std::string> seeds = LoadSeeds(argc, argv);
  for (const auto& s : seeds) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()),
                           s.size());
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  uint64_t runs = 0;
  std::vector<std::string> pool = seeds;
  while (std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 64; ++i, ++runs) {
      std::string input = Mutate(pool[rng() % pool.size()], seeds, rng);
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()),
                             input.size());
      // Keep some mutants as new parents so mutations compound.
      if (rng() % 16 == 0) {
        if (pool.size() < 4096) {
          pool.push_back(std::move(input));
        } else {
          pool[rng() % pool.size()] = std::move(input);
        }
      }
    }
  }
  std::printf("fuzz driver: %zu seeds, %llu mutated runs in %.1fs\n",
              seeds.size(), static_cast<unsigned long long>(runs), seconds);
  return 0;
}
