"""Lists the public declarations in cpp/include/fastgrad/*.h that have no Doxygen `///` comment.

A declaration is documented when the line above it (its comment block) is a `///` comment or it ends in a
`///<` comment. Declarations are recognised line by line: functions, classes, structs, enums, aliases and
data members at namespace or class scope (private sections, function bodies, `namespace detail` and macros are
skipped). tests/python/test_cpp_api_docs.py runs this and expects nothing listed.

    python tools/check_cpp_docs.py          # prints file:line: declaration, exits 1 if any
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
HEADERS = ROOT / "cpp" / "include" / "fastgrad"

_SKIP_PREFIXES = ("#", "//", "}", "{", "public:", "private:", "protected:", "namespace", "template", "using namespace",
                  "case ", "return", "friend ", "static_assert", "else", "if ", "if(", "for ", "while ", "do ",
                  "switch", "default:", "try", "catch", "throw", ":", ",", ")", "&&", "||", "?", "+", "-", "*",
                  "=", "<", ">", "\"", "'", ".", "break", "continue", "struct LeafHooks;", "class Node;",
                  "class TensorImpl;", "class Tensor;", "struct TensorIndex;", "struct GeneratorAccess;")


def _declarations(text):
    """(line number, line) of each public declaration that starts a statement at namespace or class scope."""
    lines = text.split("\n")
    out = []
    # A stack of scopes: "ns" (namespace), "class-public", "class-private", "body" (function/initialiser body),
    # "detail" (namespace detail, skipped).
    stack = []
    statement_open = False  # inside a declaration spanning several lines
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        code = re.sub(r"//.*$", "", line).strip()
        if not code:
            continue
        in_macro = raw.rstrip().endswith("\\") or (no > 1 and lines[no - 2].rstrip().endswith("\\"))
        scope = stack[-1] if stack else "ns"
        documentable = scope in ("ns", "class-public") and not in_macro and "detail" not in stack
        # Destructors, deleted members and out-of-class definitions of members declared (and documented) in
        # the class are not declarations of their own.
        exempt = (re.match(r"(virtual\s+)?~\w+\(", code) or code.endswith("= delete;")
                  or re.match(r"(inline\s+)?[\w:<>,&*\s]*\b\w+::~?\w+\(", code) and not code.startswith("using"))
        if documentable and not statement_open and not code.startswith(_SKIP_PREFIXES) and not exempt:
            out.append((no, line))
        if documentable and not statement_open and code.startswith("template"):
            out.append((no, line))
        # Track the scope changes on this line.
        m_ns = re.match(r"namespace\s*([\w:]*)\s*\{", code)
        m_cls = re.match(r"(?:template\s*<.*>\s*)?(class|struct|union)\s+\w+[^;]*\{", code)
        opens, closes = code.count("{"), code.count("}")
        if m_ns:
            stack.append("detail" if m_ns.group(1) in ("detail", "") else "ns")
            opens -= 1
        elif m_cls:
            if scope in ("class-private", "body", "detail"):
                stack.append("class-private")
            else:
                stack.append("class-public" if m_cls.group(1) in ("struct", "union") else "class-private")
            opens -= 1
        for _ in range(opens):
            stack.append("body")
        for _ in range(closes):
            if stack:
                stack.pop()
        if code in ("public:",) and stack and stack[-1].startswith("class"):
            stack[-1] = "class-public"
        elif code in ("private:", "protected:") and stack and stack[-1].startswith("class"):
            stack[-1] = "class-private" if code == "private:" else "class-public"
        statement_open = not (code.endswith(";") or code.endswith("{") or code.endswith("}") or code.endswith(":")
                              or code.endswith("};"))
        if re.match(r"template\s*<.*>$", code):
            statement_open = True
    return out


def undocumented(path):
    text = path.read_text()
    lines = text.split("\n")
    missing = []
    for no, line in _declarations(text):
        if "///<" in line:
            continue
        # Walk up over a template<> line that belongs to this declaration.
        prev = no - 1
        while prev >= 1 and re.match(r"\s*template\s*<.*>\s*$", lines[prev - 1]):
            prev -= 1
        if prev >= 1 and lines[prev - 1].strip().startswith("///"):
            continue
        if re.match(r"\s*template\s*<.*>\s*$", line):
            continue  # checked with the declaration that follows
        missing.append((no, line))
    return missing


def main():
    total = 0
    for path in sorted(HEADERS.glob("*.h")):
        for no, line in undocumented(path):
            print(f"{path.relative_to(ROOT)}:{no}: {line}")
            total += 1
    print(f"{total} public declarations without a /// comment", file=sys.stderr)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
