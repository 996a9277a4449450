"""The compiled engine: duties judged by a query where the records live (issue 23).

`engine/kinds/` stays the reference: what a duty means is written once, there. This
package compiles the duties whose meaning it can keep exactly into Ibis expressions, run by
DuckDB in-process over an ingested Parquet file or by a database over a table, and hands
every other duty to the reference engine in the same run. The report says, per duty,
which engine judged it.

Two things never go into a query, so that no backend's semantics can move a verdict:

- **time**: windows, units, rotas, effective dates and deadlines come from the engine
  (`schedule.dues`, the kinds' own window logic) as a table of UTC instants per duty,
  unit and person; the query only joins records to windows;
- **values**: what an attribute means to a condition, a sum or a distinct count (lists
  tested element by element, case and blanks, text numbers, codes outside the list) is
  decided by the reader and `model/conditions.py` themselves, once per distinct set of
  attributes; the query only keeps the records whose set was accepted.

So the query selects and joins; the verdict (`steps_verdict`) and the words are the
reference's own, fed the evidence the query found, in the reference's order.
"""

from __future__ import annotations

from engagerules.engine.compiled.run import compilable, evaluate_compiled
from engagerules.engine.compiled.source import Records, records_from

__all__ = ["Records", "compilable", "evaluate_compiled", "records_from"]
