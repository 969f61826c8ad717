#ifndef FINEPRINT_SERVICES_ACTION_EMBEDDED_FILES_H_
#define FINEPRINT_SERVICES_ACTION_EMBEDDED_FILES_H_

#include <cstddef>

// Defined in the file a genrule generates from templates/v1/*, so the
// service needs no data file at run time.
namespace fineprint::action::internal {

struct EmbeddedFile {
  const char* name;
  const char* data;
  size_t size;
};

extern const EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;

}  // namespace fineprint::action::internal

#endif  // FINEPRINT_SERVICES_ACTION_EMBEDDED_FILES_H_
