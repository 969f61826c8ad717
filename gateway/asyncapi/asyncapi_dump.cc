// Prints the AsyncAPI document the edge serves at /asyncapi.json for a
// descriptor set, for tools outside C++ (code generators, docs sites).
//
//   asyncapi_dump <descriptor_set.pb> > asyncapi.json

#include <iostream>

#include "gateway/api/api_config.h"
#include "gateway/asyncapi/asyncapi.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " <descriptor_set.pb>\n";
    return 2;
  }
  auto config = fineprint::gateway::api::ApiConfig::FromFile(argv[1]);
  if (!config.ok()) {
    std::cerr << config.status() << "\n";
    return 1;
  }
  auto doc = fineprint::gateway::asyncapi::GenerateAsyncApi(**config);
  if (!doc.ok()) {
    std::cerr << doc.status() << "\n";
    return 1;
  }
  std::cout << *doc << "\n";
  return 0;
}
