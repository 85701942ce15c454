"""The database: engine and sessions (`db`), the tables (`models` for families, messages and tickets; `classes`
for the timetable and the outbox rows; `accounts` for the console; `schema` lists them all), Alembic
(`migrate`), and the values shared by all workers (`shared_state`). Table and column names are older than
these module names.

Importing this package imports nothing: whatever needs every table imports `schema`."""
