// Prints the OpenAPI document the edge serves for a descriptor set, so
// tools outside C++ (the 3.1 validator test, client generators) see exactly
// what /openapi.json returns.
//
//   openapi_dump <descriptor_set.pb> [server_url] > openapi.json

#include <iostream>

#include "gateway/api/api_config.h"
#include "gateway/openapi/openapi.h"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: " << argv[0] << " <descriptor_set.pb> [server_url]\n";
    return 2;
  }
  auto config = fineprint::gateway::api::ApiConfig::FromFile(argv[1]);
  if (!config.ok()) {
    std::cerr << config.status() << "\n";
    return 1;
  }
  fineprint::gateway::openapi::OpenApiOptions options;
  if (argc == 3) options.server_url = argv[2];
  auto doc = fineprint::gateway::openapi::GenerateOpenApi(**config, options);
  if (!doc.ok()) {
    std::cerr << doc.status() << "\n";
    return 1;
  }
  std::cout << *doc << "\n";
  return 0;
}
