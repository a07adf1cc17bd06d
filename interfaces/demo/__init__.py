"""Synthetic demo data: the seed programmes, populated with realistic trajectories.

Everything is invented: names are combined from short lists of common Flemish given and
family names, emails use the reserved ``example.org`` domain and national register
numbers are well-formed but use the rarely issued serials 900-997 first, each number one
person's in a load, whatever the processes writing it (``draws.NationalNumbers``). The
generator writes through the application's commands, so every domain rule is checked on
the way in; a domain error raised here is a bug in the generator and is not caught.

The data depend only on the seed, the number of trajectories and the horizon (the load
date: today by the one clock, ``domain.calendar.today``, by default):
``random.Random(seed)`` draws every value, and placement ids come from it too. Only the
ids the application makes (participants, trajectories) differ between runs. The
trajectories run up to the horizon, and each programme running then has a present
planned back from it (``present``), so the demo is alive on whatever day it is loaded.

A tool, not a use case: ``trajectory demo`` and ``make run`` load it, the benchmarks
generate their histories with it.
"""
