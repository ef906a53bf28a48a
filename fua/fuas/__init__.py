"""Functional urban areas: the EU-OECD rules, the commuting proxy, and the one-call delineation.

* :mod:`~fua.fuas.params`: :class:`FuaParams`, the thresholds;
* :mod:`~fua.fuas.rules`: one function per EU-OECD rule (the 50 000 size rule,
  cities, polycentric merging, commuting zones, exclaves and enclaves) and
  :func:`~fua.fuas.rules.apply_rules`, which applies them in order;
* :mod:`~fua.fuas.flows`: commuting-flow tables and unit adjacency;
* :mod:`~fua.fuas.commuting`: :func:`commuting_zones`, the rules on units with flows;
* :mod:`~fua.fuas.proxy`: the commuting proxy for countries without flows
  (:class:`CommutingModel`, its features and its travel-time sources);
* :mod:`~fua.fuas.delineate`: :func:`delineate_fuas`, both routes (flows or
  proxy) from a population grid to layers;
* :mod:`~fua.fuas.result`: :class:`FuaResult`, those layers and their writing.

Everything here builds on :mod:`fua.degurba`; nothing in :mod:`fua.degurba` imports it.
"""

from fua.fuas.commuting import commuting_zones
from fua.fuas.delineate import FuaResult, delineate_fuas
from fua.fuas.params import FuaParams
from fua.fuas.proxy.model import CommutingModel

__all__ = ["CommutingModel", "FuaParams", "FuaResult", "commuting_zones", "delineate_fuas"]
