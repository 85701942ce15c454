"""The embedded demo: `runner` wires SQLite, the sandbox and the bot into one process, `seed` and
`seed_classes` load the fictional centres and classes in `data/`, `chat` talks to the bot from a terminal."""
