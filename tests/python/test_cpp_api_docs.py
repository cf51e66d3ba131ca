"""Every public declaration of the C++ headers (cpp/include/fastgrad/*.h) carries a Doxygen `///` comment
(tools/check_cpp_docs.py finds them), and the C++ guide exists and is linked from the README."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_cpp_docs", ROOT / "tools" / "check_cpp_docs.py")
check_cpp_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_cpp_docs)


def test_every_public_cpp_declaration_has_a_doc_comment():
    missing = [f"{path.name}:{no}: {line}" for path in sorted(check_cpp_docs.HEADERS.glob("*.h"))
               for no, line in check_cpp_docs.undocumented(path)]
    assert not missing, f"{len(missing)} public declarations without a /// comment:\n" + "\n".join(missing)


def test_checker_finds_an_undocumented_declaration(tmp_path):
    header = tmp_path / "x.h"
    header.write_text("namespace fastgrad {\n/// Documented.\nint a();\nint b();\nclass C {\n public:\n  int c();\n"
                      " private:\n  int d();\n};\n}  // namespace fastgrad\n")
    found = [line for _, line in check_cpp_docs.undocumented(header)]
    assert found == ["int b();", "class C {", "int c();"]


def test_cpp_guide_is_linked_from_the_readme():
    assert (ROOT / "docs" / "cpp.md").is_file()
    readme = (ROOT / "README.md").read_text()
    assert "docs/cpp.md" in readme and "## C++" in readme
