#!/usr/bin/env python3
"""Generates the reference pickles used by Tests/CheckpointTests/PickleMachineTests.swift.

One Python object, pickled with every protocol 0-5 by CPython's own pickler, printed as base64 so the
tests can check that the Swift pickle machine decodes each opcode family the same way.
Run: python3 scripts/reference/ckpt_pickles.py
"""
import base64
import collections
import pickle


class Point:
    def __init__(self):
        self.x = 1
        self.y = 2


def sample():
    shared = [9, 8]
    return {
        "int": 7, "neg": -3, "big": 2**70, "negbig": -2**65, "int32": -70000, "float": 1.25,
        "str": "h\u00e9llo", "bytes": b"\x00\x01", "list": [1, [2, 3]], "tuple": (1, 2, 3, 4),
        "set": {5}, "frozenset": frozenset({6}), "none": None, "true": True, "false": False,
        "shared": shared, "shared2": shared, "od": collections.OrderedDict(a=1), "point": Point(),
        "bytearray": bytearray(b"xy"),
    }



for protocol in range(6):
    data = pickle.dumps(sample(), protocol=protocol)
    print(f'    {protocol}: "{base64.b64encode(data).decode()}",')
