"""Re-exports Bazel 4's native C++ rules under the rules_cc names.

Debian's bazel-rules-cc targets newer Bazel versions; this stub keeps the
load("@rules_cc//cc:defs.bzl", ...) spelling working offline. Bazel's own
@bazel_tools//tools/cpp loads the toolchain rules from here too.
"""

cc_library = native.cc_library
cc_binary = native.cc_binary
cc_test = native.cc_test
cc_import = native.cc_import
cc_proto_library = native.cc_proto_library
cc_toolchain = native.cc_toolchain
cc_toolchain_suite = native.cc_toolchain_suite
objc_library = native.objc_library
objc_import = native.objc_import
fdo_profile = native.fdo_profile
fdo_prefetch_hints = native.fdo_prefetch_hints
