#ifndef FINEPRINT_SERVICES_ANALYSIS_ANALYZER_EMBEDDED_TAXONOMY_H_
#define FINEPRINT_SERVICES_ANALYSIS_ANALYZER_EMBEDDED_TAXONOMY_H_

#include <cstddef>

// Defined in the file a genrule generates from taxonomy/v1/taxonomy.rules,
// so the service needs no data file at run time.
namespace fineprint::analysis::internal {

extern const char kEmbeddedTaxonomy[];
extern const size_t kEmbeddedTaxonomySize;

}  // namespace fineprint::analysis::internal

#endif  // FINEPRINT_SERVICES_ANALYSIS_ANALYZER_EMBEDDED_TAXONOMY_H_
