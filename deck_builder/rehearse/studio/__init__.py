"""deck-builder studio: a mock interview in the browser, recorded and played back, with the
user's progress in pictures. A local web app on the standard library's HTTP server.

    recordings.py  the user's recordings, kept in the workspace (names chosen here)
    progress.py    ratings over time, per question and per company; what to work on next
    app.py         what the page asks for, as JSON: mocks (deck_builder.rehearse.mock), recordings, settings
    server.py      HTTP on 127.0.0.1 only: who may ask, routes, the one studio per workspace
    static/        the page: plain HTML, CSS and JavaScript, no build step

Nothing here is imported until `deck-builder studio` runs.
"""
