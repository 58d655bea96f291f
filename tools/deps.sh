#!/bin/sh
# Check that the packages libforget builds and tests with are present
# (through pkg-config); install the missing ones with apt-get when run as
# root, otherwise print the exact command to run and fail.
#   tools/deps.sh build     compiler, BLAS/LAPACK/LAPACKE, zlib
#   tools/deps.sh check     the above plus Check
#   tools/deps.sh valgrind  the above plus valgrind
#   tools/deps.sh bench     the above plus Fashion-MNIST, PyTorch, numpy, sklearn
#   tools/deps.sh demo      the build's, and Fashion-MNIST when root can have it
#   tools/deps.sh fuzz      the check's, plus clang-14 and its libFuzzer runtime
#   tools/deps.sh cross     an aarch64 cross compiler, qemu, and the arm64
#                           (multiarch) BLAS/LAPACKE/zlib/Check to link against
#   tools/deps.sh python    the build's, plus what the Python package's suite
#                           needs: venv, pip, setuptools, wheel, numpy, pytest,
#                           cffi, hypothesis, tqdm, scikit-learn, pandas, torch
#   tools/deps.sh mpi       the build's, plus OpenMPI (mpicc, mpirun) for
#                           libforget-mpi
#   tools/deps.sh mpi-check the above plus mpi4py and numpy (make
#                           check-mpi's Python test)
#   tools/deps.sh rust      the build's, plus bindgen and libclang (the binding
#                           check); cargo itself comes from rustup, not Debian
set -eu
what=${1:-build}
missing=""
need_pkg() { # pkg-config module, Debian package
    pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"
}
need_cmd() { # command, Debian package
    command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
need_cmd cc build-essential
need_cmd make build-essential
need_cmd pkg-config pkg-config
if command -v pkg-config >/dev/null 2>&1; then
    need_pkg blas libopenblas-dev
    need_pkg lapack libopenblas-dev
    need_pkg lapacke liblapacke-dev
    need_pkg zlib zlib1g-dev
    case $what in check|valgrind|fuzz) need_pkg check check ;; esac
fi
case $what in valgrind) need_cmd valgrind valgrind ;; esac
if [ "$what" = fuzz ]; then
    need_cmd clang-14 clang-14
    ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a \
        >/dev/null 2>&1 || missing="$missing libclang-common-14-dev"
fi
# The demo runs on OpenBLAS when it can: the reference BLAS, which also
# satisfies `pkg-config blas`, is 10-20x slower (the demo says which runs).
if [ "$what" = demo ] &&
   ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so\.0'; then
    if [ "$(id -u)" = 0 ]; then
        missing="$missing libopenblas0"
    else # slow, not wrong: say so and go on
        echo "libforget: no OpenBLAS; the demo runs on the reference BLAS," \
             "10-20x slower. As root: apt-get install libopenblas0" >&2
    fi
fi
# The demo uses Fashion-MNIST when it can have it, generated data otherwise.
if [ "$what" = demo ] && [ ! -d /usr/share/datasets/fashion-mnist ] &&
   [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 \
        dataset-fashion-mnist >&2 ||
        echo "libforget: dataset-fashion-mnist not installed; the demo uses generated data" >&2
fi
if [ "$what" = cross ]; then
    need_cmd aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
    need_cmd qemu-aarch64-static qemu-user-static
    for p in libopenblas-dev liblapacke-dev zlib1g-dev check libsubunit-dev pkgconf; do
        dpkg-query -W -f='${Status}' "$p:arm64" 2>/dev/null |
            grep -q 'install ok installed' || missing="$missing $p:arm64"
    done
    case $missing in *:arm64*)
        if [ "$(id -u)" = 0 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
            dpkg --add-architecture arm64
        fi
        if ! dpkg --print-foreign-architectures 2>/dev/null | grep -qx arm64; then
            echo "libforget: first, as root:  dpkg --add-architecture arm64" >&2
        fi ;;
    esac
fi
if [ "$what" = bench ]; then
    [ -d /usr/share/datasets/fashion-mnist ] || missing="$missing dataset-fashion-mnist"
    # The build links whatever provides libblas.so.3; the figures compare
    # against OpenBLAS, which the reference BLAS would not be.
    /sbin/ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so\.0' ||
        missing="$missing libopenblas-dev"
    for mod in torch:python3-torch numpy:python3-numpy sklearn:python3-sklearn; do
        /usr/bin/python3 -c "import ${mod%%:*}" 2>/dev/null || missing="$missing ${mod#*:}"
    done
fi
if [ "$what" = python ]; then
    for mod in venv:python3-venv pip:python3-pip setuptools:python3-setuptools \
               wheel:python3-wheel numpy:python3-numpy pytest:python3-pytest \
               cffi:python3-cffi hypothesis:python3-hypothesis tqdm:python3-tqdm \
               sklearn:python3-sklearn pandas:python3-pandas torch:python3-torch; do
        /usr/bin/python3 -c "import ${mod%%:*}" 2>/dev/null || missing="$missing ${mod#*:}"
    done
    # ensurepip is what `python3 -m venv` needs; Debian puts it in python3-venv.
    /usr/bin/python3 -c "import ensurepip" 2>/dev/null || missing="$missing python3-venv"
fi
case $what in mpi|mpi-check)
    need_cmd mpicc libopenmpi-dev
    need_cmd mpirun openmpi-bin ;;
esac
if [ "$what" = mpi-check ]; then
    for mod in mpi4py:python3-mpi4py numpy:python3-numpy; do
        /usr/bin/python3 -c "import ${mod%%:*}" 2>/dev/null || missing="$missing ${mod#*:}"
    done
fi
if [ "$what" = rust ]; then
    need_cmd bindgen bindgen
    ls /usr/lib/llvm-14/lib/libclang*.so* >/dev/null 2>&1 || missing="$missing libclang1-14"
    [ -d /usr/lib/llvm-14/lib/clang ] || missing="$missing libclang-common-14-dev"
    command -v cargo >/dev/null 2>&1 ||
        echo "libforget: cargo not found; install Rust (rustup) for make check-rust" >&2
fi
[ -z "$missing" ] && exit 0
pkgs=$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')
line="apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 $pkgs"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "libforget: installing missing packages:$missing" >&2
    apt-get update -q >&2
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        -o DPkg::Lock::Timeout=600 $pkgs >&2
    exit 0
fi
echo "libforget: missing packages:$missing" >&2
echo "run as root:  apt-get update && $line" >&2
exit 1
