"""Decide: compare a candidate with a baseline, statistics, and the gate's checks and verdict."""
