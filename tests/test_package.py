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
