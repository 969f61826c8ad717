"""The workspace's own C++ sources compiled into a binary, for generators
that read the code behind a binary (docs/reference.md's metric families).

    binary_sources(name = "identity_sources", binary = "//services/identity:identity_server")

gives a file `<name>.txt` with one workspace-relative path per line, and
those files as runfiles."""

_SourcesInfo = provider(fields = ["files"])

def _own(files):
    return [f for f in files if f.is_source and f.owner.workspace_name == ""]

def _collect_impl(target, ctx):
    direct = []
    for attr in ("srcs", "hdrs", "textual_hdrs"):
        direct += _own(getattr(ctx.rule.files, attr, []))
    transitive = [
        dep[_SourcesInfo].files
        for dep in getattr(ctx.rule.attr, "deps", [])
        if _SourcesInfo in dep
    ]
    return [_SourcesInfo(files = depset(direct, transitive = transitive))]

_collect = aspect(implementation = _collect_impl, attr_aspects = ["deps"])

def _binary_sources_impl(ctx):
    files = ctx.attr.binary[_SourcesInfo].files.to_list()
    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    paths = sorted([f.short_path for f in files])
    ctx.actions.write(out, "".join([p + "\n" for p in paths]))
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out] + files))]

binary_sources = rule(
    implementation = _binary_sources_impl,
    attrs = {"binary": attr.label(mandatory = True, aspects = [_collect])},
)
