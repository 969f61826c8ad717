"""One macro that turns .proto files into C++ message and gRPC libraries.

Bazel 4's native proto rules want a protobuf source repository; we generate
with Debian's protoc and grpc_cpp_plugin instead. Every .proto lives under
//protos, so a single `--proto_path` resolves all imports; `all_protos` must
list every file an import can reach.
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

_PROTOC = "/usr/bin/protoc"
_GRPC_PLUGIN = "/usr/bin/grpc_cpp_plugin"

def _stem(src):
    return src[:-len(".proto")]

def fp_proto_library(name, srcs, deps = [], grpc = False, visibility = None):
    """Generates `<name>` (cc_library) from `srcs`.

    Args:
      name: the cc_library's name.
      srcs: .proto files, relative to //protos.
      deps: fp_proto_library targets whose protos `srcs` import.
      grpc: also generate service stubs (*.grpc.pb.{h,cc}).
      visibility: forwarded to the cc_library.
    """
    outs_h = [_stem(s) + ".pb.h" for s in srcs]
    outs_cc = [_stem(s) + ".pb.cc" for s in srcs]
    plugin_args = ""
    if grpc:
        outs_h += [_stem(s) + ".grpc.pb.h" for s in srcs]
        outs_cc += [_stem(s) + ".grpc.pb.cc" for s in srcs]
        plugin_args = "--plugin=protoc-gen-grpc=%s --grpc_out=$(RULEDIR) " % _GRPC_PLUGIN

    native.genrule(
        name = name + "_gen",
        srcs = srcs + [":all_protos"],
        outs = outs_h + outs_cc,
        cmd = ("%s --proto_path=protos --proto_path=/usr/include " % _PROTOC +
               "--cpp_out=$(RULEDIR) " + plugin_args +
               " ".join(["protos/" + s for s in srcs])),
    )

    cc_library(
        name = name,
        srcs = outs_cc,
        hdrs = outs_h,
        includes = ["."],
        deps = deps + [
            "//infra/deps:grpc",
            "//infra/deps:protobuf",
        ],
        visibility = visibility,
    )

def fp_descriptor_set(name, srcs, visibility = None):
    """A FileDescriptorSet (with imports and source info) of `srcs`."""
    native.genrule(
        name = name,
        srcs = srcs + [":all_protos"],
        outs = [name + ".pb"],
        cmd = ("%s --proto_path=protos --proto_path=/usr/include " % _PROTOC +
               "--include_imports --include_source_info " +
               "--descriptor_set_out=$@ " +
               " ".join(["protos/" + s for s in srcs])),
        visibility = visibility,
    )
