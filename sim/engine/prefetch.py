"""A software prefetch for the compiled loops: ask for an array element's cache line early.

The engine's cost at millions of accounts is memory latency: each exposure reads a few
bytes of its follower's state at a random place in arrays far larger than the caches.
The loop that queues a post's exposures first walks the followers and prefetches their
state, so that the misses overlap instead of queueing one behind the other (measured in
docs/performance.md). A prefetch is only a hint: it never changes a result.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch(typingctx: Any, array: types.Array, index: types.Integer) -> Any:
    """Prefetch ``array[index]`` (a one-dimensional array) for reading and writing."""
    if not isinstance(array, types.Array) or array.ndim != 1:
        return None
    signature = types.void(array, types.intp)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        kind = sig.args[0]
        values = context.make_array(kind)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, kind, values, [args[1]],
                                           wraparound=False)
        byte = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte, i32, i32, i32]),
            "llvm.prefetch.p0i8")
        # write intent, high temporal locality, data cache
        builder.call(function, [builder.bitcast(pointer, byte), ir.Constant(i32, 1),
                                ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return signature, codegen
