"""Rehearsal: the front ends that use the cards without Anki.

`mock` runs a timed mock interview in the terminal and keeps its history, `brief` writes
the one-page interview-day brief, `preview` an HTML page of every card, and `studio` the
rehearsal studio in the browser (a server on 127.0.0.1), which `listen` helps by hearing
which key points a recorded answer holds (the optional listen extra). They read the sources and cards
stages and never write the package.
"""
