"""Only one thing pyproject.toml cannot say: a wheel that bundles the C
library (libforget/_native/libforget.so.0, put there by `make
python-wheel`) is tied to this platform, not pure Python. Such a wheel is
tagged py3-none-<platform> (ctypes needs no particular Python ABI)."""
import os

from setuptools import setup

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:  # building an sdist, or no wheel package
    bdist_wheel = None

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLED = os.path.isdir(os.path.join(HERE, "libforget", "_native"))

cmdclass = {}
if bdist_wheel is not None and BUNDLED:
    class PlatformWheel(bdist_wheel):
        def finalize_options(self):
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):
            _, _, plat = super().get_tag()
            return "py3", "none", plat

    cmdclass["bdist_wheel"] = PlatformWheel

setup(cmdclass=cmdclass)
