"""Exact k-nearest neighbours on torch tensors, by blocks of query rows.

On the CPU the blocks are shared out among one single-threaded search per thread (torch's
intra-op threads set to 1 meanwhile), each pulling blocks from a common queue. Left to itself,
torch would split every block's matrix product and top-k over its threads, and each such operation
waits for its slowest thread: thousands of waits per search, each as long as a time slice when
another process holds a core. One parallel loop over blocks is also how scikit-learn organises its
search. On a GPU the blocks run one after the other on the device.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

import torch

#: Distances computed at once by default, over all threads: 16 MiB of float32, so each thread's
#: block stays in the shared cache of the 2-core benchmark machine.
DEFAULT_CHUNK = 1 << 22

#: Columns per group of the two-stage selection in :func:`smallest`.
GROUP = 32

#: Rows at least this many times ``k * GROUP`` wide take the two-stage selection.
_TWO_STAGE = 4


def kneighbors(
    query: torch.Tensor, base: torch.Tensor, k: int, *, chunk_size: int = DEFAULT_CHUNK
) -> torch.Tensor:
    """Indices into ``base`` of the ``k`` nearest rows (Euclidean) of each query row, nearest first.

    Brute force, exact up to floating point: squared distances as ``|b|^2 - 2 q.b`` (the query's own
    norm does not change the ranking), one ``addmm`` per block of query rows into a reused buffer,
    the blocks holding at most ``chunk_size`` distances in all (and no more than twice the numbers
    the inputs hold), then :func:`smallest`. A row of
    ``base`` that equals the query is its own nearest neighbour. Runs where the tensors are; on the
    CPU, a search of more than one block runs as ``torch.get_num_threads()`` single-threaded
    searches side by side (see the module docstring), torch's intra-op thread count being 1
    meanwhile.

    Shape
    -----
    query (n, d), base (m, d) -> (n, min(k, m)) int64.

    Examples
    --------
    >>> base = torch.tensor([[0.0], [1.0], [5.0]])
    >>> kneighbors(torch.tensor([[0.9]]), base, 2).tolist()
    [[1, 0]]
    """
    n, m = query.shape[0], base.shape[0]
    k = min(k, m)
    base_sq = (base * base).sum(1)
    if m % GROUP and m >= _TWO_STAGE * k * GROUP:  # pad to whole groups with points at infinity
        pad = GROUP - m % GROUP
        base = torch.cat([base, base.new_zeros(pad, base.shape[1])])
        base_sq = torch.cat([base_sq, base_sq.new_full((pad,), float("inf"))])
    out = torch.empty((n, k), dtype=torch.int64, device=query.device)
    width = base.shape[0]
    # no more distances at once than twice the numbers the inputs hold: memory in proportion
    chunk = min(chunk_size, max(1 << 16, 2 * (n + m) * query.shape[1]))
    # several CPU threads, and more than one block's work: searches side by side
    many = query.device.type == "cpu" and n * width > chunk
    threads = torch.get_num_threads() if many else 1
    rows = max(1, min(-(-n // threads), chunk // (threads * width)))

    def search(buffer: torch.Tensor, start: int) -> None:
        q = query[start : start + rows]
        dist = torch.addmm(base_sq, q, base.T, beta=1.0, alpha=-2.0, out=buffer[: len(q)])
        out[start : start + len(q)] = smallest(dist, k)

    def new_buffer() -> torch.Tensor:
        return query.new_empty((rows, width))

    for_blocks(range(0, n, rows), search, new_buffer, threads)
    return out


def for_blocks(
    starts: Iterable[int],
    work: Callable[[torch.Tensor, int], None],
    new_buffer: Callable[[], torch.Tensor],
    threads: int,
) -> None:
    """``work(buffer, start)`` for every start: here when ``threads`` is 1, else in ``threads``
    single-threaded workers with a buffer each (allocated here), pulling starts from a shared queue
    (torch's intra-op threads are 1 meanwhile, then restored)."""
    queue, lock = iter(starts), threading.Lock()

    def worker(buffer: torch.Tensor) -> None:
        while True:
            with lock:
                start = next(queue, None)
            if start is None:
                return
            work(buffer, start)

    if threads == 1:
        worker(new_buffer())
        return
    buffers = [new_buffer() for _ in range(threads)]
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with ThreadPoolExecutor(threads) as pool:
            for done in [pool.submit(worker, buffer) for buffer in buffers]:
                done.result()
    finally:
        torch.set_num_threads(before)


def smallest(values: torch.Tensor, k: int) -> torch.Tensor:
    """Column indices of the ``k`` smallest entries of each row, smallest first.

    Rows at least ``4 k GROUP`` wide (a multiple of ``GROUP``) are cut into groups of ``GROUP``
    columns: the ``k`` smallest entries of a row lie in the ``k`` groups with the smallest minima
    (an entry outside them is preceded by those ``k`` minima), so ``topk`` over those ``k GROUP``
    candidates is exact, and the whole row is read once, by ``amin``.

    Examples
    --------
    >>> smallest(torch.tensor([[3.0, 1.0, 2.0]]), 2).tolist()
    [[1, 2]]
    """
    r, width = values.shape
    if width < _TWO_STAGE * k * GROUP or width % GROUP:
        return torch.topk(values, k, dim=1, largest=False, sorted=True).indices
    groups = values.view(r, width // GROUP, GROUP)
    chosen = torch.topk(groups.amin(2), k, dim=1, largest=False, sorted=False).indices
    candidates = groups.gather(1, chosen.unsqueeze(2).expand(r, k, GROUP)).view(r, k * GROUP)
    best = torch.topk(candidates, k, dim=1, largest=False, sorted=True).indices
    return chosen.gather(1, best.div(GROUP, rounding_mode="floor")).mul_(GROUP).add_(best % GROUP)
