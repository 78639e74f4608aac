"""The public API: `import sales_analytics as sa` exposes each lever's names, unambiguously."""

import subprocess
import sys
from collections import Counter

import sales_analytics as sa


def test_no_two_modules_export_the_same_name():
    counts = Counter(name for module in sa._modules() for name in module.__all__)
    assert [name for name, n in counts.items() if n > 1] == []


def test_every_exported_name_resolves():
    for name in sa.__all__:
        assert getattr(sa, name) is not None, name


def test_every_module_all_is_accurate():
    for module in sa._modules():
        missing = [n for n in module.__all__ if not hasattr(module, n)]
        assert missing == [], f"{module.__name__}.__all__ lists names it lacks: {missing}"


def test_views_do_not_import_the_levers():
    code = "import sys, sales_analytics.views; print('sklearn' in sys.modules, 'sales_analytics.kpis' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "False"]


def test_python_dash_m_is_the_cli():
    out = subprocess.run([sys.executable, "-m", "sales_analytics", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "sales-analytics" in out.stdout


def test_the_re_export_block_is_generated_from_the_modules_all():
    from sales_analytics import _reexports

    text = _reexports.INIT.read_text(encoding="utf-8")
    assert _reexports.current_block(text) == _reexports.render(sa._EXPORTING, sa._EXTRA), (
        "run `python -m sales_analytics._reexports` to rewrite the re-exports of sales_analytics/__init__.py"
    )
    assert sa._EXPORTS["parse_period"] == "periods" and sa._EXPORTS["label"] == "report"


def test_dir_lists_the_public_names_only():
    names = dir(sa)
    assert "compute_commissions" in names and "kpis" in names and "__version__" in names
    assert not {"Any", "importlib", "ModuleType", "TYPE_CHECKING"} & set(names)
    assert set(sa.__all__) <= set(names)


def test_the_package_is_typed_and_its_import_stays_lazy():
    from pathlib import Path

    assert (Path(sa.__file__).parent / "py.typed").exists()
    code = (
        "import sys, sales_analytics as sa; before = sorted(m for m in sys.modules if m.startswith('sales_analytics.'));"
        " sa.parse_period; print(before, 'sales_analytics.kpis' in sys.modules, 'sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # nothing but the package itself on import; one name imports its own module, not every lever
    assert out.split() == ["[]", "False", "False"]


def test_the_io_modules_do_not_import_each_other_in_a_cycle():
    import ast
    from pathlib import Path

    folder = Path(sa.__file__).parent / "io"
    graph: dict[str, set[str]] = {}
    for path in folder.glob("*.py"):
        name = f"sales_analytics.io.{path.stem}"
        graph[name] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # function-level imports too
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("sales_analytics.io.")
            ):
                graph[name].add(node.module)
    graph.pop("sales_analytics.io.__init__", None)

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt})):
                return True
        return False

    assert "sales_analytics.io.rawtable" in graph["sales_analytics.io.jsonfiles"]
    assert [m for m in graph if reaches(m, m, {m})] == []
