"""Everything the bot sends on its own initiative (class reminders, notices, pushes), through one table.

`schedule` turns classes and enrolments into due rows (quiet hours, stable keys), `scheduler` ticks,
`dispatcher` leases and sends due rows through the WeChat client, `render` words them, `mark` records outcomes.
The table is still called `reminders` (and its model `Reminder`): it predates notices and pushes.
"""
