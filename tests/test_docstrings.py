"""Every public docstring is valid reStructuredText after napoleon, so the API page builds with -W.

The book build renders these docstrings with Sphinx (warnings are errors); this test catches a
malformed table or a broken directive in seconds, without building the book.
"""

import importlib
import inspect
import pkgutil

import docutils.core
import pytest
from docutils import nodes
from docutils.parsers.rst import Directive, directives, roles
from sphinx.ext.napoleon import Config
from sphinx.ext.napoleon.docstring import NumpyDocstring

import prcore


def _literal_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.literal(rawtext, text)], []


for _role in ("func", "meth", "class", "mod", "attr", "data", "obj", "exc", "cite"):
    roles.register_local_role(_role, _literal_role)

class _SphinxOnly(Directive):
    """Stand-in for Sphinx directives napoleon emits (``.. attribute::``, ``.. seealso::``)."""

    has_content = True
    optional_arguments = 10
    final_argument_whitespace = True
    option_spec = {"type": directives.unchanged, "value": directives.unchanged,
                   "noindex": directives.flag}

    def run(self):
        node = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


for _directive in ("attribute", "method", "function", "data", "seealso", "versionadded",
                   "versionchanged", "deprecated", "autolink-skip"):
    directives.register_directive(_directive, _SphinxOnly)

_CONFIG = Config(napoleon_numpy_docstring=True, napoleon_google_docstring=False,
                 napoleon_use_rtype=False)


def _modules():
    names = ["prcore"]
    for info in pkgutil.walk_packages(prcore.__path__, "prcore."):
        names.append(info.name)
    return sorted(names)


def _docstrings(module):
    yield module.__name__, module.__doc__
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name, None)
        if obj is None or getattr(obj, "__module__", None) != module.__name__:
            continue
        yield f"{module.__name__}.{name}", inspect.getdoc(obj)
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and callable(member) and member.__doc__:
                    yield f"{module.__name__}.{name}.{attr}", inspect.getdoc(member)


@pytest.mark.parametrize("modname", _modules())
def test_docstrings_are_valid_rst(modname):
    module = importlib.import_module(modname)
    problems = []
    for where, doc in _docstrings(module):
        if not doc:
            continue
        rst = str(NumpyDocstring(inspect.cleandoc(doc), _CONFIG))
        tree = docutils.core.publish_doctree(
            rst, settings_overrides={"report_level": 5, "halt_level": 5})
        for msg in tree.findall(nodes.system_message):
            if msg["level"] >= 2:
                problems.append(f"{where}: {msg.astext().splitlines()[0]}")
    assert not problems, "\n".join(problems)
