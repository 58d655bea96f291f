#!/usr/bin/python3
"""Turn the public headers into text cffi's ffi.cdef() accepts (make cdef).

Keeps the declarations and the integer #defines; drops comments, includes,
include guards, the extern "C" wrapper and the FORGET_API attribute; writes
negative constants without parentheses and the version string as a
declaration cffi can skip. Usage: tools/cdef.py include/forget > forget.cdef
"""
import re
import sys


def clean(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    out, skip_depth = [], 0
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        while line.endswith("\\"):  # join continued preprocessor lines
            i += 1
            line = line[:-1] + " " + lines[i].strip()
        i += 1
        s = line.strip()
        if s.startswith("#"):
            if re.match(r"#\s*(if|ifdef|ifndef)\b", s):
                skip_depth += 1 if "FORGET_API" in s or "__cplusplus" in s else 0
                continue
            if re.match(r"#\s*endif", s):
                skip_depth = max(0, skip_depth - 1)
                continue
            m = re.match(r"#\s*define\s+(FORGET_[A-Z0-9_]+)\s+\(?\s*(-?\d+)u?\s*\)?$", s)
            if m and not skip_depth:
                out.append("#define %s %s" % (m.group(1), m.group(2)))
            continue
        if skip_depth or s in ('extern "C" {', "}"):
            continue
        out.append(line.replace("FORGET_API ", ""))
    return "\n".join(l for l in out if l.strip())


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else "include/forget"
    text = ""
    for name in ("version.h", "forget.h", "backend.h"):
        with open("%s/%s" % (base, name)) as f:
            text += clean(f.read()) + "\n"
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
