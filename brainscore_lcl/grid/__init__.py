"""The models x benchmarks grid on Dask distributed: the cells to compute (``cells``), the tasks a worker runs
(``tasks``), the graph and its results database writes (``run``), and the Dask clusters it runs on (``clusters``).
docs/grid.md describes it."""
