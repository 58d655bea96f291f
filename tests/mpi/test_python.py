"""libforget.mpi under mpirun (make check-mpi): sisa and analytic on the
ranks mpirun gives, through mpi4py, against one process on all the rows.
Prints one line on rank 0; exits 1 on any rank's failure."""
import os
import shutil
import sys
import tempfile

import numpy as np
from mpi4py import MPI

import libforget
import libforget.mpi

world = MPI.COMM_WORLD
rank, size = world.Get_rank(), world.Get_size()
rng = np.random.default_rng(5)
n, d = 240, 6
y = np.arange(n) % 4
x = (rng.standard_normal((n, d)) + np.eye(d)[y % d] * 3).astype(np.float32)
ids = 1000 + 7 * np.arange(n, dtype=np.uint64)
mine = np.arange(n) % size == rank
every = libforget.Dataset(x, y, ids=ids)
part = libforget.Dataset(x[mine], y[mine], ids=ids[mine])
forget = ids[5::23]

failures = []
comm = libforget.mpi.Comm(world, timeout=60)
if (comm.rank, comm.size) != (rank, size):
    failures.append("rank and size")

# sisa: byte-identical to one process
params = dict(shards=4, slices=2, epochs=1, seed=3, threads=1)
t, rt = libforget.Model("mlp", layers="6-12-4", seed=2), \
    libforget.Model("mlp", layers="6-12-4", seed=2)
u, ref = libforget.Unlearner("sisa", t, **params), \
    libforget.Unlearner("sisa", rt, **params)
comm.attach(u)
u.prepare(part)
ref.prepare(every)
u.forget_ids(forget)
ref.forget_ids(forget)
dig = u.model.digest()
if dig != ref.model.digest():
    failures.append("sisa: not the single-process ensemble")
if len(set(world.allgather(dig))) != 1:
    failures.append("sisa: ranks differ")

# analytic: close to one process, the same on every rank
a = libforget.Model("analytic", inputs=d, outputs=4, features="random",
                    width=30, seed=4, gamma=0.5)
ra = libforget.Model("analytic", inputs=d, outputs=4, features="random",
                     width=30, seed=4, gamma=0.5)
ua = libforget.Unlearner("analytic", a, keep_rows=True)
ra_u = libforget.Unlearner("analytic", ra, keep_rows=True)
comm.attach(ua)
ua.prepare(part)
ra_u.prepare(every)
# each rank its own journal, opened together after attaching
jdir = world.bcast(tempfile.mkdtemp(prefix="fg_mpi_py_") if rank == 0
                   else None)
ua.open_journal(os.path.join(jdir, f"journal.{rank}"))
ua.forget_ids(forget)
ra_u.forget_ids(forget)
# every rank answers for every id, its own or another rank's
if not all(ua.is_forgotten(int(i)) for i in forget):
    failures.append("analytic: a forgotten id not reported forgotten")
if ua.is_forgotten(int(ids[1])):
    failures.append("analytic: a kept id reported forgotten")
p, q = a.predict_proba(x), ra.predict_proba(x)
if not np.allclose(p, q, rtol=0, atol=1e-5):
    failures.append("analytic: not the single-process head")
if len(set(world.allgather(a.digest()))) != 1:
    failures.append("analytic: ranks differ")
try:
    ua.forget_ids([999999])
    failures.append("analytic: an unknown id was not refused")
except KeyError:
    pass  # NotFoundError is a KeyError, on every rank

sent = comm.bytes_sent
try:
    comm.close()
    failures.append("closed a Comm still in use")
except libforget.StateError:
    pass
for obj in (u, ref, ua, ra_u, t, rt, a, ra, part, every):
    obj.close()
comm.close()
world.barrier()
if rank == 0:
    shutil.rmtree(jdir, ignore_errors=True)

bad = world.allgather(failures)
if rank == 0:
    flat = [f"rank {r}: {f}" for r, fs in enumerate(bad) for f in fs]
    print(f"  python  libforget.mpi on {size} rank{'s' if size > 1 else ''}: "
          + ("ok" if not flat else "; ".join(flat))
          + f" ({sent} bytes sent by rank 0)")
sys.exit(1 if any(bad) else 0)
