#!/usr/bin/env python3
"""Prints COUNT pseudo-random bytes from SEED: the same bytes every run,
so a test of a random-bytes manifest is reproducible.
Usage: random_bytes.py SEED COUNT"""
import random
import sys

rng = random.Random(int(sys.argv[1]))
sys.stdout.buffer.write(bytes(rng.getrandbits(8) for _ in range(int(sys.argv[2]))))
