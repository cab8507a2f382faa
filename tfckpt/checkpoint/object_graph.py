"""The top-level roots of a TF2 checkpoint's object graph, and which of them reach the same variables.

``tf.train.Checkpoint(model=model, backbone=model.backbone)`` saves each variable once, under the
first path that reaches it (``backbone/...``); the object graph still records that ``model`` reaches
it too. The index alone therefore misses roots that hold no keys of their own, and cannot tell
which roots alias: this module reads the graph (a string tensor in the data file) to say both.

Example:
    >>> graph = read_object_graph(read_index("runs/retinanet/ckpt-1"))  # doctest: +SKIP
    >>> graph.roots, graph.aliases  # doctest: +SKIP
    (('backbone', 'decoder', 'global_step', 'head', 'model', 'optimizer', 'save_counter'),
     {'backbone': 'model', 'decoder': 'model', 'head': 'model'})
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Mapping, Optional, Tuple

from tfckpt.checkpoint.index import OBJECT_GRAPH_KEY, CheckpointIndex
from tfckpt.checkpoint.protos import TrackableObjectGraph
from tfckpt.checkpoint.shards import read_string_scalar
from tfckpt.io.fs import FileSystem

_VARIABLE_VALUE = "VARIABLE_VALUE"


@dataclass(frozen=True)
class RootGraph:
    """The roots of an object graph and the variables each reaches.

    Attributes:
        roots: names of the root object's children, sorted (``model``, ``optimizer``, ...).
        variables: root -> ids of the variable nodes reachable from it (slot variables excluded).
        aliases: root -> the root that reaches every variable it reaches and more (or the same
            variables, and comes first by name); roots that reach no variable are not listed.
    """

    roots: Tuple[str, ...]
    variables: Mapping[str, FrozenSet[int]] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)


def _variables_under(nodes, start: int) -> FrozenSet[int]:
    """Ids of the nodes with a ``VARIABLE_VALUE`` reachable from ``start`` through children."""
    seen, stack, found = {start}, [start], set()
    while stack:
        node_id = stack.pop()
        node = nodes[node_id]
        if any(attribute.name == _VARIABLE_VALUE for attribute in node.attributes):
            found.add(node_id)
        for reference in node.children:
            if 0 <= reference.node_id < len(nodes) and reference.node_id not in seen:
                seen.add(reference.node_id)
                stack.append(reference.node_id)
    return frozenset(found)


def _aliases(variables: Mapping[str, FrozenSet[int]]) -> Dict[str, str]:
    """root -> the root whose variables include its own: the largest such, then the first by name."""
    aliases = {}
    for root, own in variables.items():
        if not own:
            continue
        owners = [other for other, theirs in variables.items()
                  if other != root and own <= theirs and (len(theirs) > len(own) or other < root)]
        if owners:
            aliases[root] = min(owners, key=lambda other: (-len(variables[other]), other))
    return aliases


def root_graph(nodes) -> RootGraph:
    """The :class:`RootGraph` of decoded ``TrackableObjectGraph`` nodes (node 0 is the root)."""
    if not nodes:
        return RootGraph(roots=())
    top = {reference.local_name: reference.node_id for reference in nodes[0].children
           if 0 <= reference.node_id < len(nodes)}
    variables = {name: _variables_under(nodes, node_id) for name, node_id in top.items()}
    return RootGraph(roots=tuple(sorted(top)), variables=variables, aliases=_aliases(variables))


def read_object_graph(index: CheckpointIndex, fs: Optional[FileSystem] = None) -> Optional[RootGraph]:
    """The :class:`RootGraph` of a TF2 checkpoint, or None when its object graph cannot be read
    (a TF1 checkpoint, a missing or short data file, damaged bytes: never raises for those)."""
    graph_bytes = read_string_scalar(index, OBJECT_GRAPH_KEY, fs)
    if graph_bytes is None:
        return None
    try:
        nodes = TrackableObjectGraph.FromString(graph_bytes).nodes
    except Exception:  # protobuf's DecodeError and friends: a damaged graph reads as unknown
        return None
    return root_graph(nodes)
