/*
 * libforget — version of the headers.
 *
 * Integer literals only (cffi's cdef and bindgen read them as they are).
 * The Makefile reads FORGET_VERSION_MAJOR/MINOR/PATCH from this file, so the
 * SONAME (libforget.so.MAJOR) and the header never drift apart.
 */
#ifndef FORGET_VERSION_H
#define FORGET_VERSION_H

#define FORGET_VERSION_MAJOR 0
#define FORGET_VERSION_MINOR 1
#define FORGET_VERSION_PATCH 0

/* MAJOR * 10000 + MINOR * 100 + PATCH, written out. */
#define FORGET_VERSION_NUMBER 100
#define FORGET_VERSION_STRING "0.1.0"

#endif /* FORGET_VERSION_H */
